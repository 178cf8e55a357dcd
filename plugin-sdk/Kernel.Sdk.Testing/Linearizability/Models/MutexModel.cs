namespace Kernel.Sdk.Testing.Linearizability;

internal readonly record struct MutexInput(bool Acquire);

/// <summary>A single lock; the state is "held".</summary>
internal sealed class MutexModel : ILinearizabilityModel<bool, MutexInput, OpResult>
{
    public bool Init() => false;

    public bool Step(bool held, MutexInput input, OpResult output, out bool next)
    {
        next = held;
        if (input.Acquire == held)
        {
            // Acquire while held, or release while free: impossible, unless the outcome is unknown (then it did not happen).
            return output == OpResult.Unknown;
        }

        next = input.Acquire;
        return true;
    }

    public string DescribeOperation(MutexInput input, OpResult output) =>
        (input.Acquire ? "acquire" : "release") + (output == OpResult.Unknown ? " (outcome unknown)" : "");

    public string DescribeState(bool held) => held ? "held" : "free";

    public static CheckResult Check(List<PairedOp> ops, string source, CheckOptions options) =>
        ModelRunner.Run(new MutexModel(), ops, options, (in PairedOp op, out MutexInput input, out OpResult output) =>
        {
            input = new MutexInput(op.F switch
            {
                "acquire" => true,
                "release" => false,
                _ => throw ModelRunner.Error(source, op, $"operation '{op.F}' is not supported by this model (expected acquire, release)"),
            });
            output = op.Outcome == Outcome.Unknown ? OpResult.Unknown : OpResult.Ok;
            return op.Outcome != Outcome.Fail;
        });
}
