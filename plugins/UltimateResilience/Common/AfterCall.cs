using Polly;

namespace UltimateResilience.Common;

/// <summary>A strategy that does something once the call it let through has completed (records, releases, restores).</summary>
internal interface IAfterCall<TToken>
{
    /// <summary>
    /// The call completed with <paramref name="outcome"/>; <paramref name="token"/> is what the strategy noted on entry.
    /// Returns the outcome the strategy hands back: most return <paramref name="outcome"/> as it is, a timeout turns its own
    /// cancellation into its rejection.
    /// </summary>
    Outcome<TResult> Completed<TResult>(in Outcome<TResult> outcome, TToken token);
}

/// <summary>
/// Runs <see cref="IAfterCall{TToken}.Completed"/> after a call: at once when the call completed synchronously (no async
/// state machine, so no allocation, even in a Debug build), else after awaiting it. What every custom strategy's success path
/// shares.
/// </summary>
internal static class AfterCall
{
    public static ValueTask<Outcome<TResult>> Then<TResult, TToken>(this ValueTask<Outcome<TResult>> pending, ResilienceContext context, IAfterCall<TToken> owner, TToken token)
    {
        if (!pending.IsCompletedSuccessfully)
        {
            return Awaited(pending, context, owner, token);
        }

        return new(owner.Completed(pending.Result, token));
    }

    private static async ValueTask<Outcome<TResult>> Awaited<TResult, TToken>(ValueTask<Outcome<TResult>> pending, ResilienceContext context, IAfterCall<TToken> owner, TToken token)
    {
        Outcome<TResult> outcome;
        try
        {
            outcome = await pending.ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (Exception ex)
        {
            // Polly's callbacks return outcomes; should one throw all the same, it is an outcome too (and still completes).
            outcome = Outcome.FromException<TResult>(ex);
        }

        return owner.Completed(outcome, token);
    }
}
