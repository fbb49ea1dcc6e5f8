namespace AkkaBgp.Actors;

/// <summary>Location of an actor in its system's hierarchy, e.g. <c>akka://bgp/user/peer-1</c>.</summary>
public sealed class ActorPath : IEquatable<ActorPath>
{
    private readonly string _text;

    internal ActorPath(string systemName)
    {
        SystemName = systemName;
        Name = "";
        Parent = null;
        _text = "akka://" + systemName;
    }

    private ActorPath(ActorPath parent, string name)
    {
        SystemName = parent.SystemName;
        Parent = parent;
        Name = name;
        _text = parent._text + "/" + name;
    }

    public string SystemName { get; }

    /// <summary>Last element; empty for the root.</summary>
    public string Name { get; }

    public ActorPath? Parent { get; }

    /// <summary>Path elements below the root, e.g. ["user", "peer-1"].</summary>
    public IReadOnlyList<string> Elements
    {
        get
        {
            var list = new List<string>();
            for (var p = this; p.Parent is not null; p = p.Parent) list.Add(p.Name);
            list.Reverse();
            return list;
        }
    }

    public ActorPath Child(string name) => new(this, name);

    public static ActorPath operator /(ActorPath parent, string name) => parent.Child(name);

    public bool Equals(ActorPath? other) => other is not null && other._text == _text;

    public override bool Equals(object? obj) => obj is ActorPath p && Equals(p);

    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => _text;
}
