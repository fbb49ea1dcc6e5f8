using AkkaBgp.Rib.Decision;
using AkkaBgp.Rib.Tables;
using AkkaBgp.Wire;

namespace AkkaBgp.Rib.Benchmarks;

/// <summary>Loads UPDATEs straight into a <see cref="PrefixTable"/> the way a Loc-RIB partition does (intern the
/// attributes, insert every NLRI, run best path), without actors.</summary>
public static class TableLoad
{
    public static (PrefixTable Table, AttributeInterner Interner) Into(IReadOnlyList<UpdateMessage> updates, RibPeer[] peers, int peerIndex = 0, PrefixTable? table = null, AttributeInterner? interner = null, int expected = 0)
    {
        interner ??= new AttributeInterner(65000, 0x7F000101);
        var peerBySlot = new RibPeer?[peers.Length + 1];
        foreach (var p in peers) peerBySlot[p.Slot] = p;
        table ??= new PrefixTable(false, interner, DecisionOptions.Default, s => peerBySlot[s], expected);
        var peer = peers[peerIndex];
        foreach (var u in updates)
        {
            var r = interner.Acquire(u.Attributes);
            foreach (var e in u.Nlri) table.Announce(e.Prefix, peer, r);
            interner.Release(r);
        }
        return (table, interner);
    }
}

/// <summary>Counts acknowledged UPDATEs over every connection; completes when all are in.</summary>
public sealed class AckCompletion
{
    private int _left;
    private TaskCompletionSource _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public Task Task => _tcs.Task;

    public void Expect(int n)
    {
        _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _left, n);
    }

    public void Acked(int n)
    {
        if (Interlocked.Add(ref _left, -n) == 0) _tcs.TrySetResult();
    }
}
