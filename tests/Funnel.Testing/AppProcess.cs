using System.Diagnostics;
using System.Globalization;

namespace Funnel.Testing;

/// <summary>
/// The real app as a separate process (its own memory, and a process a test can kill without warning), on a
/// free loopback port, configured through environment variables as the Functions host would configure it.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;

    private AppProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public int ProcessId => _process.Id;

    /// <param name="dll">The app's Funnel.App.dll (a test's output folder has one; benchmarks use the Release build).</param>
    /// <param name="settings">Settings as environment variables ("A__B" for "A:B").</param>
    public static Task<AppProcess> StartAsync(string dll, IReadOnlyDictionary<string, string> settings, Action<string>? log = null)
    {
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: build the app first.");
        var port = FreePorts.Take();
        var info = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        return StartAsync(info, port, settings, log, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// A packaged custom handler started the way the Functions host starts one: the executable host.json names, in its
    /// working directory, told its port in FUNCTIONS_CUSTOMHANDLER_PORT, with no dotnet on PATH and no DOTNET_ROOT (a
    /// self-contained app needs neither). It must answer /healthz within <paramref name="limit"/>.
    /// </summary>
    public static Task<AppProcess> StartHandlerAsync(string executable, string workingDirectory, IReadOnlyDictionary<string, string> settings, TimeSpan limit,
        Action<string>? log = null)
    {
        var port = FreePorts.Take();
        var info = new ProcessStartInfo(executable) { WorkingDirectory = workingDirectory };
        info.Environment.Remove("DOTNET_ROOT");
        info.Environment["PATH"] = "/nonexistent";
        info.Environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture);
        info.Environment["FUNCTIONS_WORKER_RUNTIME"] = "custom";
        return StartAsync(info, port, settings, log, limit);
    }

    private static async Task<AppProcess> StartAsync(ProcessStartInfo info, int port, IReadOnlyDictionary<string, string> settings, Action<string>? log, TimeSpan limit)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings) info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the app.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log?.Invoke(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var app = new AppProcess(process, $"http://127.0.0.1:{port}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var started = Stopwatch.StartNew();
        while (started.Elapsed < limit)
        {
            if (process.HasExited) throw new InvalidOperationException($"The app exited with code {process.ExitCode} while starting.");
            try
            {
                if ((await http.GetAsync(new Uri(app.BaseUrl + "/healthz"))).IsSuccessStatusCode) return app;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening (or answering) yet
            }
            await Task.Delay(250);
        }
        await app.DisposeAsync();
        throw new InvalidOperationException($"The app did not become healthy in {limit.TotalSeconds:0} s.");
    }

    /// <summary>Ends the process at once, as a crash or an evicted instance would: no graceful stop.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
