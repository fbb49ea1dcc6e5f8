namespace AkkaBgp.Diagnostics;

/// <summary>
/// Test-only fault injection: the FSM, a connection actor or a Loc-RIB partition that receives this message throws
/// <see cref="InjectedFaultException"/>, so a test can show what the failure of that one actor costs and that its
/// supervisor contains it. The type is internal: only the assemblies named in InternalsVisibleTo (the test projects)
/// can construct it, nothing in the speaker sends it, and nothing read from the network, the configuration or the
/// management API is ever turned into a message of this type.
/// </summary>
internal sealed record InjectedFault(string Where)
{
    public InjectedFaultException Raise() => new($"injected fault in {Where}");
}

/// <summary>The exception an <see cref="InjectedFault"/> raises (a type of its own, so logs and tests can tell it apart).</summary>
internal sealed class InjectedFaultException(string message) : Exception(message);
