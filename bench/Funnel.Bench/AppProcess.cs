using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Funnel.Testing;

namespace Funnel.Bench;

/// <summary>The real app (its Release build) as a separate process, so its memory is its own.</summary>
internal sealed class AppProcess : IAsyncDisposable
{
    public const string SigningKey = "bench-signing-key-0123456789-abcdefghijklmnop";
    private readonly Process _process;

    private AppProcess(Process process, string baseUrl, int azuritePid)
    {
        AzuritePid = azuritePid;
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public int ProcessId => _process.Id;

    /// <summary>The storage emulator the app talks to (for CPU accounting).</summary>
    public int AzuritePid { get; }

    public static async Task<AppProcess> StartAsync(string storageConnectionString, int azuritePid)
    {
        var dll = Path.Combine(RepoRoot.Find(), "functions", "Funnel.App", "bin", "Release", "net10.0", "Funnel.App.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"Build the app first (./bench.sh does): {dll} is missing.");
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["AzureWebJobsStorage"] = storageConnectionString;
        info.Environment["Auth__SigningKey"] = SigningKey;
        info.Environment["Funnel__LeadHashKey"] = "bench-lead-hash-key-0123456789-abcdefghijkl";
        info.Environment["Funnel__CodeSigningKey"] = "bench-code-signing-key-0123456789-abcdefghi";
        info.Environment["RateLimiting__PublicPermitsPerWindow"] = int.MaxValue.ToString(CultureInfo.InvariantCulture);
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the app.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [app] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  [app] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, $"http://127.0.0.1:{port}", azuritePid);
        using var http = new HttpClient();
        for (var i = 0; i < 120; i++)
        {
            try
            {
                if ((await http.GetAsync(new Uri(app.BaseUrl + "/healthz"))).IsSuccessStatusCode) return app;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        await app.DisposeAsync();
        throw new InvalidOperationException("The app did not become healthy in 30 s.");
    }

    /// <summary>Peak resident memory of the app process so far (VmHWM), in MB.</summary>
    public double PeakMemoryMb()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }
        return double.NaN;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
