namespace UltimateConsensus.Vr;

/// <summary>Deliberately broken variants of VR, for tests that show <c>verify</c> catches each one. Never used outside tests.</summary>
internal enum VrFlaw
{
    /// <summary>The correct protocol.</summary>
    None,

    /// <summary>
    /// A replica that moved to a later view still appends and acknowledges Prepares of its old primary, breaking the
    /// promise its StartViewChange and DoViewChange made.
    /// </summary>
    AckPrepareOfOldView,

    /// <summary>A new primary takes the longest log of the DoViewChange quorum, ignoring the last normal view.</summary>
    ChooseLogByOpOnly,

    /// <summary>
    /// A replica answers PrepareOK (and votes) before its log and view are durable, and after a crash resumes from what
    /// survived instead of recovering: a replica that lost what it acknowledged acknowledges again before recovery.
    /// </summary>
    AckWithoutDurableState,
}
