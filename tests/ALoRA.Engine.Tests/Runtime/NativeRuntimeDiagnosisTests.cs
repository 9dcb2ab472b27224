using System.Text;
using ALoRA.Engine.Runtime;

namespace ALoRA.Engine.Tests.Runtime;

public sealed class NativeRuntimeDiagnosisTests
{
    [Fact]
    public void Explain_LibstdcxxWithoutRequiredVersion_NamesItAndTheFix()
    {
        var fake = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(fake, Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.29\0GLIBCXX_3.4.30\0"));
            var failure = new TypeInitializationException("TorchSharp.torch", new DllNotFoundException("libLibTorchSharp.so: version `GLIBCXX_3.4.32' not found"));
            var message = NativeRuntimeDiagnosis.Explain(failure, fake);
            Assert.Contains("needs GLIBCXX_3.4.32", message);
            Assert.Contains(fake, message);
            Assert.Contains("make setup", message);
            Assert.Contains("DllNotFoundException", message);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    [Fact]
    public void ContainsSymbolVersion_DoesNotMatchPrefix()
    {
        var fake = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(fake, Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.3\0GLIBCXX_3.4.321\0"));
            Assert.False(NativeRuntimeDiagnosis.ContainsSymbolVersion(fake, "GLIBCXX_3.4.32"));
            File.WriteAllBytes(fake, Encoding.ASCII.GetBytes("\0GLIBCXX_3.4.32\0"));
            Assert.True(NativeRuntimeDiagnosis.ContainsSymbolVersion(fake, "GLIBCXX_3.4.32"));
        }
        finally
        {
            File.Delete(fake);
        }
    }

    [Fact]
    public void EnsureInitialized_OnThisMachine_Loads()
    {
        TorchRuntime.EnsureInitialized();
        using var t = TorchSharp.torch.ones(2);
        Assert.Equal(2f, t.sum().item<float>());
    }
}
