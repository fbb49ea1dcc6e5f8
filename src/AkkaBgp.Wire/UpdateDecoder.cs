using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AkkaBgp.Wire.Attributes;

namespace AkkaBgp.Wire;

/// <summary>
/// UPDATE decoding with RFC 7606 error handling. The decoder never throws on input; every problem
/// becomes a <see cref="WireError"/> naming the action. Rules and their sources:
/// <list type="bullet">
/// <item>Withdrawn Routes Length / Total Path Attribute Length beyond the message: session reset 3/1 (RFC 4271 6.3; RFC 7606 does not relax it: the NLRI cannot be located).</item>
/// <item>Withdrawn routes or NLRI syntactically wrong (length &gt; 32, overrun): session reset 3/10 (RFC 4271 6.3, RFC 7606 5.3).</item>
/// <item>An attribute overrunning the Total Path Attribute Length, or fewer than 3 (4) octets left: treat-as-withdraw (RFC 7606 4), or session reset when the attribute is MP_REACH/MP_UNREACH since those routes then cannot be located (RFC 7606 7.11, 7.12).</item>
/// <item>O/T flag bits wrong: the attribute is malformed and gets its own malformed-attribute action (RFC 7606 3(c)), subcode 4.</item>
/// <item>Duplicates: all but the first discarded, MP_REACH/MP_UNREACH duplicates reset 3/1 (RFC 7606 3(g)).</item>
/// <item>Missing ORIGIN/AS_PATH (and NEXT_HOP with IPv4 NLRI) when routes are announced: treat-as-withdraw 3/3 (RFC 7606 3(d), RFC 4760 3).</item>
/// <item>Unrecognised well-known attribute: session reset 3/2 (RFC 4271 6.3).</item>
/// <item>Per-attribute rules: RFC 7606 7.1-7.14, RFC 6793 6, RFC 7607 2, RFC 8092 6, RFC 9234 5.</item>
/// </list>
/// </summary>
internal static class UpdateDecoder
{
    [StructLayout(LayoutKind.Auto)]
    private struct Slot
    {
        public int Start;       // value offset in the owned body, or -1 when Replacement is used
        public int Length;
        public int Replacement; // index into replacement list, -1 when none
        public byte Type;
        public byte Flags;
    }

    // A struct on the decoder's stack: a class here was one more object per UPDATE (~9 MiB of a 1M-prefix load's
    // allocations, bench/w1-allocations.sh), and errors are rare.
    private struct State
    {
        public List<WireError>? Errors;
        public WireError? AfiSafiDisable;

        public void Add(WireError e)
        {
            if (e.Action == ErrorAction.AfiSafiDisable)
            {
                AfiSafiDisable ??= e;
                return;
            }
            (Errors ??= new List<WireError>(2)).Add(e);
        }
    }

    private static WireError NonFatal(ErrorAction action, byte subcode, ReadOnlySpan<byte> data, string reason)
        => new(action, ErrorCode.UpdateMessage, subcode, data.ToArray(), reason);

    private static bool Fail(out UpdateMessage? msg, out WireError? error, WireError e)
    {
        msg = null;
        error = e;
        return false;
    }

    public static bool TryDecode(ReadOnlySpan<byte> input, in UpdateDecodeContext ctx, out UpdateMessage? msg, out WireError? error)
    {
        // RFC 4271 6.3: the two length fields must fit the message, else Malformed Attribute List.
        if (input.Length < 4)
            return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, default,
                $"UPDATE body of {input.Length} octets cannot hold the two length fields"));
        int wlen = BinaryPrimitives.ReadUInt16BigEndian(input);
        if (4 + wlen > input.Length)
            return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, default,
                $"Withdrawn Routes Length {wlen} exceeds the message"));
        int alen = BinaryPrimitives.ReadUInt16BigEndian(input[(2 + wlen)..]);
        if (4 + wlen + alen > input.Length)
            return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, default,
                $"Total Path Attribute Length {alen} exceeds the message"));

        bool addPathV4 = ctx.AddPathReceive.Contains(1, 1);
        var wSpan = input.Slice(2, wlen);
        int wCount = NlriList.Validate(wSpan, false, addPathV4);
        if (wCount < 0)
            return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, default,
                "Withdrawn Routes field is syntactically incorrect"));
        int nlriStart = 4 + wlen + alen;
        int nCount = NlriList.Validate(input[nlriStart..], false, addPathV4);
        if (nCount < 0)
            return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField, default,
                "NLRI field is syntactically incorrect"));

        // One copy per message; every prefix and attribute value below is a view into it.
        byte[] body = input.ToArray();
        var withdrawn = wCount == 0 ? default : new NlriList(new ReadOnlyMemory<byte>(body, 2, wlen), false, addPathV4, wCount);
        var nlri = nCount == 0 ? default : new NlriList(new ReadOnlyMemory<byte>(body, nlriStart, body.Length - nlriStart), false, addPathV4, nCount);

        return DecodeAttributes(body, 4 + wlen, alen, ctx, withdrawn, nlri, out msg, out error);
    }

    private static bool DecodeAttributes(byte[] body, int aStart, int alen, in UpdateDecodeContext ctx,
        NlriList withdrawn, NlriList nlri, out UpdateMessage? msg, out WireError? error)
    {
        Span<Slot> slots = stackalloc Slot[48];
        Slot[]? bigSlots = null;
        int slotCount = 0;
        Span<ulong> seen = stackalloc ulong[4];
        State st = new();
        List<byte[]>? replacements = null;
        MpReachNlri? mpReach = null;
        MpUnreachNlri? mpUnreach = null;
        int received = 0;
        int asPathSlot = -1, aggregatorSlot = -1;
        int as4PathStart = -1, as4PathLen = 0, as4AggStart = -1;
        bool as4PathHadConfed = false;

        var attrs = body.AsSpan(aStart, alen);
        int p = 0;
        while (p < alen)
        {
            // RFC 7606 4, second case: leftover octets too few for an attribute header.
            int remain = alen - p;
            if (remain < 3 || ((attrs[p] & (byte)AttributeFlags.ExtendedLength) != 0 && remain < 4))
            {
                st.Add(NonFatal(ErrorAction.TreatAsWithdraw, UpdateSubcode.MalformedAttributeList, attrs[p..],
                    $"{remain} octet(s) left in the path attributes, too few for an attribute"));
                break;
            }
            byte flags = attrs[p];
            byte type = attrs[p + 1];
            bool ext = (flags & (byte)AttributeFlags.ExtendedLength) != 0;
            int hdr = ext ? 4 : 3;
            int len = ext ? BinaryPrimitives.ReadUInt16BigEndian(attrs[(p + 2)..]) : attrs[p + 2];
            if (hdr + len > remain)
            {
                if (type is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri)
                    return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, default,
                        $"{AttributeType.Name(type)} length {len} overruns the path attributes; its routes cannot be located"));
                // RFC 7606 4, first case.
                st.Add(NonFatal(ErrorAction.TreatAsWithdraw, UpdateSubcode.MalformedAttributeList, attrs[p..],
                    $"{AttributeType.Name(type)} length {len} overruns the Total Path Attribute Length"));
                break;
            }
            var whole = attrs.Slice(p, hdr + len);
            var value = whole[hdr..];
            int valueOffset = aStart + p + hdr;
            p += hdr + len;
            received++;

            ref ulong word = ref seen[type >> 6];
            ulong bit = 1UL << (type & 63);
            if ((word & bit) != 0)
            {
                if (type is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri)
                    return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, default,
                        $"{AttributeType.Name(type)} appears more than once (RFC 7606 3(g))"));
                st.Add(NonFatal(ErrorAction.AttributeDiscard, UpdateSubcode.MalformedAttributeList, whole,
                    $"duplicate {AttributeType.Name(type)} discarded (RFC 7606 3(g))"));
                continue;
            }
            word |= bit;

            var expected = AttributeType.ExpectedFlags(type);
            if (expected is null)
            {
                // RFC 4271 6.3: an unrecognised attribute that claims to be well-known.
                if ((flags & (byte)AttributeFlags.Optional) == 0)
                    return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.UnrecognizedWellKnownAttribute, whole,
                        $"unrecognized well-known attribute type {type}"));
                Keep(ref slots, ref bigSlots, ref slotCount, type, flags, valueOffset, len);
                continue;
            }

            bool flagsBad = (flags & (byte)AttributeFlags.OptionalTransitiveMask) != (byte)expected.Value;
            string name = AttributeType.Name(type);

            // MP_REACH/MP_UNREACH carry routes: bad flags reset the session, the rest is ParseMp*'s (RFC 7606 7.11, 7.12).
            if (type is AttributeType.MpReachNlri or AttributeType.MpUnreachNlri)
            {
                if (flagsBad)
                    return Fail(out msg, out error, WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.AttributeFlagsError, whole, $"{name} flags 0x{flags:x2}"));
                WireError? mpErr;
                if (type == AttributeType.MpReachNlri) mpReach = ParseMpReach(body, valueOffset, len, (AttributeFlags)flags, ctx, whole, out mpErr);
                else mpUnreach = ParseMpUnreach(body, valueOffset, len, (AttributeFlags)flags, ctx, whole, out mpErr);
                if (mpErr is not null)
                {
                    if (mpErr.Action == ErrorAction.SessionReset) return Fail(out msg, out error, mpErr);
                    st.Add(mpErr);
                }
                continue;
            }

            // RFC 7606 7.5, 7.9, 7.10: these are discarded from external peers whatever their content.
            if (ctx.IsExternal && type is AttributeType.LocalPref or AttributeType.OriginatorId or AttributeType.ClusterList)
            {
                st.Add(NonFatal(ErrorAction.AttributeDiscard, UpdateSubcode.MalformedAttributeList, whole, $"{name} from an external peer discarded"));
                continue;
            }
            // RFC 6793 6: AS4_PATH/AS4_AGGREGATOR must not travel between NEW speakers.
            if (ctx.FourOctetAs && type is AttributeType.As4Path or AttributeType.As4Aggregator)
            {
                st.Add(NonFatal(ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, whole, $"{name} from a 4-octet-AS peer discarded (RFC 6793 6)"));
                continue;
            }

            // Outcome of per-attribute checks: null = keep.
            (ErrorAction Action, byte Subcode, string Reason)? bad = null;
            ErrorAction malformedAction = type switch
            {
                AttributeType.AtomicAggregate or AttributeType.Aggregator or AttributeType.As4Path or AttributeType.As4Aggregator => ErrorAction.AttributeDiscard,
                _ => ErrorAction.TreatAsWithdraw,
            };
            if (flagsBad && type != AttributeType.NextHop)
            {
                bad = (malformedAction, UpdateSubcode.AttributeFlagsError, $"{name} flags 0x{flags:x2}, expected O/T 0x{(byte)expected.Value:x2}");
            }
            else
            {
                switch (type)
                {
                    case AttributeType.Origin: // RFC 7606 7.1
                        if (len != 1) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeLengthError, $"ORIGIN length {len}");
                        else if (value[0] > 2) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.InvalidOriginAttribute, $"ORIGIN value {value[0]}");
                        break;
                    case AttributeType.AsPath: // RFC 7606 7.2, RFC 5065 5, RFC 7607 2
                    {
                        var why = AsPath.Validate(value, ctx.FourOctetAs, out bool confed, out bool asZero);
                        if (why is null && ctx.IsExternal && confed)
                            why = "confederation segment from a peer outside the confederation (RFC 5065 5)";
                        if (why is null && asZero)
                            why = "AS 0 in AS_PATH (RFC 7607)";
                        if (why is not null) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.MalformedAsPath, $"AS_PATH: {why}");
                        break;
                    }
                    case AttributeType.NextHop: // RFC 7606 7.3, RFC 4271 6.3
                    {
                        // RFC 4760 3: without IPv4 NLRI the receiver SHOULD ignore NEXT_HOP, so a bad one is only discarded.
                        var act = nlri.Count > 0 ? ErrorAction.TreatAsWithdraw : ErrorAction.AttributeDiscard;
                        if (flagsBad) bad = (act, UpdateSubcode.AttributeFlagsError, $"NEXT_HOP flags 0x{flags:x2}");
                        else if (len != 4) bad = (act, UpdateSubcode.AttributeLengthError, $"NEXT_HOP length {len}");
                        else if (!IsUsableIPv4NextHop(BinaryPrimitives.ReadUInt32BigEndian(value)))
                            bad = (act, UpdateSubcode.InvalidNextHopAttribute, $"NEXT_HOP {value[0]}.{value[1]}.{value[2]}.{value[3]} is not a unicast host address");
                        break;
                    }
                    case AttributeType.MultiExitDisc: // RFC 7606 7.4
                    case AttributeType.LocalPref:     // RFC 7606 7.5
                    case AttributeType.OriginatorId:  // RFC 7606 7.9
                    case AttributeType.OnlyToCustomer: // RFC 9234 5
                        if (len != 4) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeLengthError, $"{name} length {len}");
                        break;
                    case AttributeType.AtomicAggregate: // RFC 7606 7.6
                        if (len != 0) bad = (ErrorAction.AttributeDiscard, UpdateSubcode.AttributeLengthError, $"ATOMIC_AGGREGATE length {len}");
                        break;
                    case AttributeType.Aggregator: // RFC 7606 7.7, RFC 7607 2
                    {
                        int want = ctx.FourOctetAs ? 8 : 6;
                        if (len != want) bad = (ErrorAction.AttributeDiscard, UpdateSubcode.AttributeLengthError, $"AGGREGATOR length {len}, expected {want}");
                        else if ((ctx.FourOctetAs ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt16BigEndian(value)) == 0)
                            bad = (ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, "AGGREGATOR with AS 0 (RFC 7607)");
                        break;
                    }
                    case AttributeType.Communities: // RFC 7606 7.8
                    case AttributeType.ClusterList: // RFC 7606 7.10
                        if (len == 0 || len % 4 != 0) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeLengthError, $"{name} length {len} is not a non-zero multiple of 4");
                        break;
                    case AttributeType.ExtendedCommunities: // RFC 7606 7.14
                        if (len == 0 || len % 8 != 0) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeLengthError, $"{name} length {len} is not a non-zero multiple of 8");
                        break;
                    case AttributeType.LargeCommunities: // RFC 8092 6
                        if (len == 0 || len % 12 != 0) bad = (ErrorAction.TreatAsWithdraw, UpdateSubcode.AttributeLengthError, $"{name} length {len} is not a non-zero multiple of 12");
                        break;
                    case AttributeType.As4Path: // RFC 6793 6, RFC 7607 2
                    {
                        bool confed = false, asZero = false;
                        string? why = len < 6 || len % 2 != 0 ? $"length {len}" : AsPath.Validate(value, fourOctet: true, out confed, out asZero);
                        if (why is null && asZero) why = "AS 0";
                        if (why is not null) bad = (ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, $"AS4_PATH: {why}");
                        else
                        {
                            as4PathStart = valueOffset;
                            as4PathLen = len;
                            if (confed)
                            {
                                as4PathHadConfed = true;
                                st.Add(NonFatal(ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, whole,
                                    "confederation segments in AS4_PATH discarded (RFC 6793 6)"));
                            }
                            continue; // AS4_PATH is folded into AS_PATH, never stored on its own.
                        }
                        break;
                    }
                    case AttributeType.As4Aggregator: // RFC 6793 6, RFC 7607 2
                        if (len != 8) bad = (ErrorAction.AttributeDiscard, UpdateSubcode.AttributeLengthError, $"AS4_AGGREGATOR length {len}");
                        else if (BinaryPrimitives.ReadUInt32BigEndian(value) == 0) bad = (ErrorAction.AttributeDiscard, UpdateSubcode.OptionalAttributeError, "AS4_AGGREGATOR with AS 0 (RFC 7607)");
                        else
                        {
                            as4AggStart = valueOffset;
                            continue;
                        }
                        break;
                }
            }

            if (bad is { } b)
            {
                st.Add(NonFatal(b.Action, b.Subcode, whole, b.Reason));
                continue;
            }
            if (type == AttributeType.AsPath) asPathSlot = slotCount;
            else if (type == AttributeType.Aggregator) aggregatorSlot = slotCount;
            Keep(ref slots, ref bigSlots, ref slotCount, type, flags, valueOffset, len);
        }

        if (bigSlots is not null) slots = bigSlots;
        slots = slots[..slotCount];

        // RFC 6793 4.2.3: bring AS_PATH and AGGREGATOR to 4-octet form, merging AS4_* from an OLD speaker.
        if (!ctx.FourOctetAs)
        {
            bool ignoreAs4Path = false;
            if (aggregatorSlot >= 0)
            {
                ref Slot s = ref slots[aggregatorSlot];
                var v = body.AsSpan(s.Start, s.Length);
                uint aggAs = BinaryPrimitives.ReadUInt16BigEndian(v);
                uint aggAddr = BinaryPrimitives.ReadUInt32BigEndian(v[2..]);
                // "When both of the attributes are received": an OLD speaker aggregated after AS4_* was attached.
                if (aggAs != AsPath.AsTrans && as4AggStart >= 0)
                    ignoreAs4Path = true;
                else if (as4AggStart >= 0)
                {
                    aggAs = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(as4AggStart));
                    aggAddr = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(as4AggStart + 4));
                }
                var nv = new byte[8];
                BinaryPrimitives.WriteUInt32BigEndian(nv, aggAs);
                BinaryPrimitives.WriteUInt32BigEndian(nv.AsSpan(4), aggAddr);
                Replace(ref s, ref replacements, nv);
            }
            if (asPathSlot >= 0)
            {
                ref Slot s = ref slots[asPathSlot];
                var path = AsPath.Parse(body.AsSpan(s.Start, s.Length), fourOctet: false);
                if (as4PathStart >= 0 && !ignoreAs4Path)
                {
                    var as4 = AsPath.Parse(body.AsSpan(as4PathStart, as4PathLen), fourOctet: true);
                    if (as4PathHadConfed) as4 = as4.WithoutConfederationSegments();
                    path = AsPath.Merge(path, as4);
                }
                Replace(ref s, ref replacements, path.ToBytes(fourOctet: true));
            }
        }

        bool announces = nlri.Count > 0 || (mpReach is not null && !mpReach.NlriEncoded.IsEmpty);

        // RFC 4271 6.3 leftmost-AS check (optional), handled as treat-as-withdraw per RFC 7606 7.2.
        if (ctx.IsExternal && ctx.PeerAs != 0 && asPathSlot >= 0 && announces)
        {
            ref Slot s = ref slots[asPathSlot];
            ReadOnlySpan<byte> v = s.Replacement >= 0 ? replacements![s.Replacement] : body.AsSpan(s.Start, s.Length);
            uint? leftmost = v.Length >= 6 && v[0] == (byte)AsPathSegmentType.AsSequence ? BinaryPrimitives.ReadUInt32BigEndian(v[2..]) : null;
            if (leftmost != ctx.PeerAs)
                st.Add(NonFatal(ErrorAction.TreatAsWithdraw, UpdateSubcode.MalformedAsPath, default,
                    $"leftmost AS {(leftmost?.ToString() ?? "none")} is not the peer AS {ctx.PeerAs} (RFC 4271 6.3)"));
        }

        // RFC 7606 3(d) / RFC 4760 3: well-known mandatory attributes when routes are announced.
        // An attribute that was present but malformed already produced its own (at least as strong) error.
        if (announces)
        {
            CheckMissing(seen, AttributeType.Origin, ref st);
            CheckMissing(seen, AttributeType.AsPath, ref st);
            if (nlri.Count > 0) CheckMissing(seen, AttributeType.NextHop, ref st);
        }

        if (st.AfiSafiDisable is { } disable)
        {
            msg = null;
            error = disable;
            return false;
        }

        var attributes = BuildCanonical(body, slots, replacements);
        msg = new UpdateMessage(withdrawn, attributes, nlri, mpReach, mpUnreach, st.Errors, received);
        error = null;
        return true;
    }

    private static void CheckMissing(ReadOnlySpan<ulong> seen, byte type, ref State st)
    {
        if ((seen[type >> 6] & (1UL << (type & 63))) != 0) return;
        st.Add(NonFatal(ErrorAction.TreatAsWithdraw, UpdateSubcode.MissingWellKnownAttribute, [type],
            $"missing well-known attribute {AttributeType.Name(type)}"));
    }

    private static void Keep(ref Span<Slot> slots, ref Slot[]? big, ref int count, byte type, byte flags, int start, int len)
    {
        if (count == slots.Length)
        {
            // At most 256 distinct type codes survive duplicate removal.
            big = new Slot[256];
            slots.CopyTo(big);
            slots = big;
        }
        slots[count++] = new Slot { Type = type, Flags = flags, Start = start, Length = len, Replacement = -1 };
    }

    private static void Replace(ref Slot s, ref List<byte[]>? list, byte[] value)
    {
        list ??= new List<byte[]>(2);
        s.Replacement = list.Count;
        s.Length = value.Length;
        list.Add(value);
    }

    private static PathAttributes BuildCanonical(byte[] body, Span<Slot> slots, List<byte[]>? replacements)
    {
        if (slots.Length == 0) return PathAttributes.Empty;
        // Insertion sort: attributes almost always arrive already ordered by type (RFC 4271 5).
        for (int i = 1; i < slots.Length; i++)
        {
            var x = slots[i];
            int j = i - 1;
            while (j >= 0 && slots[j].Type > x.Type) { slots[j + 1] = slots[j]; j--; }
            slots[j + 1] = x;
        }
        int total = 0;
        foreach (ref readonly var s in slots)
            total += Canonical.Size((AttributeFlags)s.Flags, s.Type, s.Length);
        var bytes = new byte[total];
        int p = 0;
        foreach (ref readonly var s in slots)
        {
            ReadOnlySpan<byte> v = s.Replacement >= 0 ? replacements![s.Replacement] : body.AsSpan(s.Start, s.Length);
            p += Canonical.Write(bytes.AsSpan(p), (AttributeFlags)s.Flags, s.Type, v);
        }
        return new PathAttributes(bytes);
    }

    /// <summary>RFC 4271 6.3: NEXT_HOP must be a valid IP host address; 0/8, loopback, multicast, class E and broadcast are not.</summary>
    internal static bool IsUsableIPv4NextHop(uint a)
    {
        uint first = a >> 24;
        return first != 0 && first != 127 && first < 224;
    }

    internal static bool IsDecodedFamily(ushort afi, byte safi) => afi is 1 or 2 && safi is 1 or 2;

    /// <summary>RFC 4760 3 and RFC 7606 7.11. Too short to name its AFI/SAFI: session reset. Wrong next-hop length
    /// or bad NLRI for a family we decode: AFI/SAFI disable (RFC 4760 7), NOTIFICATION 3/9 with the attribute.</summary>
    private static MpReachNlri? ParseMpReach(byte[] body, int off, int len, AttributeFlags flags, in UpdateDecodeContext ctx, ReadOnlySpan<byte> whole, out WireError? err)
    {
        err = null;
        var v = body.AsSpan(off, len);
        if (len < 5 || 5 + v[3] > len)
        {
            err = WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, whole,
                $"MP_REACH_NLRI of {len} octets cannot hold AFI, SAFI, next hop and reserved octet");
            return null;
        }
        ushort afi = BinaryPrimitives.ReadUInt16BigEndian(v);
        byte safi = v[2];
        int nhLen = v[3];
        var nextHop = new ReadOnlyMemory<byte>(body, off + 4, nhLen);
        byte reserved = v[4 + nhLen];
        int nlriOff = off + 5 + nhLen, nlriLen = len - 5 - nhLen;
        var nlriMem = new ReadOnlyMemory<byte>(body, nlriOff, nlriLen);
        var valueMem = new ReadOnlyMemory<byte>(body, off, len);
        if (!IsDecodedFamily(afi, safi))
            return new MpReachNlri(flags, afi, safi, nextHop, reserved, nlriMem, default, false, valueMem);

        bool v6 = afi == 2;
        // IPv4: 4 octets, or 16/32 for an IPv6 next hop (RFC 8950); IPv6: global, or global + link-local (RFC 2545 3).
        bool nhOk = v6 ? nhLen is 16 or 32 : nhLen is 4 or 16 or 32;
        if (!nhOk)
        {
            err = new WireError(ErrorAction.AfiSafiDisable, ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, whole.ToArray(),
                $"MP_REACH_NLRI {afi}/{safi} next hop length {nhLen}");
            return null;
        }
        bool addPath = ctx.AddPathReceive.Contains(afi, safi);
        int count = NlriList.Validate(body.AsSpan(nlriOff, nlriLen), v6, addPath);
        if (count < 0)
        {
            err = new WireError(ErrorAction.AfiSafiDisable, ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, whole.ToArray(),
                $"MP_REACH_NLRI {afi}/{safi} NLRI is syntactically incorrect");
            return null;
        }
        return new MpReachNlri(flags, afi, safi, nextHop, reserved, nlriMem, count == 0 ? default : new NlriList(nlriMem, v6, addPath, count), true, valueMem);
    }

    /// <summary>RFC 4760 4 and RFC 7606 7.12: same actions as <see cref="ParseMpReach"/>.</summary>
    private static MpUnreachNlri? ParseMpUnreach(byte[] body, int off, int len, AttributeFlags flags, in UpdateDecodeContext ctx, ReadOnlySpan<byte> whole, out WireError? err)
    {
        err = null;
        var v = body.AsSpan(off, len);
        if (len < 3)
        {
            err = WireError.Reset(ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, whole,
                $"MP_UNREACH_NLRI of {len} octets cannot hold AFI and SAFI");
            return null;
        }
        ushort afi = BinaryPrimitives.ReadUInt16BigEndian(v);
        byte safi = v[2];
        var wMem = new ReadOnlyMemory<byte>(body, off + 3, len - 3);
        var valueMem = new ReadOnlyMemory<byte>(body, off, len);
        if (!IsDecodedFamily(afi, safi))
            return new MpUnreachNlri(flags, afi, safi, wMem, default, false, valueMem);
        bool v6 = afi == 2;
        bool addPath = ctx.AddPathReceive.Contains(afi, safi);
        int count = NlriList.Validate(wMem.Span, v6, addPath);
        if (count < 0)
        {
            err = new WireError(ErrorAction.AfiSafiDisable, ErrorCode.UpdateMessage, UpdateSubcode.OptionalAttributeError, whole.ToArray(),
                $"MP_UNREACH_NLRI {afi}/{safi} withdrawn routes are syntactically incorrect");
            return null;
        }
        return new MpUnreachNlri(flags, afi, safi, wMem, count == 0 ? default : new NlriList(wMem, v6, addPath, count), true, valueMem);
    }
}
