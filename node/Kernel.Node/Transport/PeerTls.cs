using System.Security.Cryptography.X509Certificates;

namespace Kernel.Node.Transport;

/// <summary>Certificate checks between members (both directions use the same one).</summary>
internal static class PeerTls
{
    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="trusted"/> (and only those), ignoring revocation.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection trusted)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
