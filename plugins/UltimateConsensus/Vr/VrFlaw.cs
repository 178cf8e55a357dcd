namespace UltimateConsensus.Vr;

/// <summary>Deliberately broken variants of VR, for tests that show <c>verify</c> catches each one. Never used outside tests.</summary>
internal enum VrFlaw
{
    /// <summary>The correct protocol.</summary>
    None,

    /// <summary>A new primary counts DoViewChange messages of earlier views as if they were for its view.</summary>
    AcceptStaleDoViewChange,

    /// <summary>A new primary takes the longest log of the DoViewChange quorum, ignoring the last normal view.</summary>
    ChooseLogByOpOnly,

    /// <summary>
    /// A replica answers PrepareOK (and votes) before its log and view are durable, and after a crash resumes from what
    /// survived instead of recovering: a replica that lost what it acknowledged acknowledges again before recovery.
    /// </summary>
    AckWithoutDurableState,
}
