namespace AkkaBgp.Actors;

public class AkkaException : Exception
{
    public AkkaException(string message) : base(message) { }

    public AkkaException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>Actor construction or PreStart/PostRestart failed. The default decider stops the actor.</summary>
public sealed class ActorInitializationException : AkkaException
{
    public ActorInitializationException(IActorRef? actor, string message, Exception? inner)
        : base(message, inner) => Actor = actor;

    public IActorRef? Actor { get; }
}

/// <summary>Thrown inside an actor that received <see cref="Kill"/>.</summary>
public sealed class ActorKilledException : AkkaException
{
    public ActorKilledException(string message) : base(message) { }
}

/// <summary>A watched actor terminated and the watcher did not handle <see cref="Terminated"/>.</summary>
public sealed class DeathPactException : AkkaException
{
    public DeathPactException(IActorRef deadActor)
        : base($"Monitored actor {deadActor} terminated") => DeadActor = deadActor;

    public IActorRef DeadActor { get; }
}

public sealed class InvalidActorNameException : AkkaException
{
    public InvalidActorNameException(string message) : base(message) { }
}

/// <summary>An Ask got no reply within its timeout.</summary>
public sealed class AskTimeoutException : AkkaException
{
    public AskTimeoutException(string message) : base(message) { }
}
