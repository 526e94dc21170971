using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SegVerify.Cli.Tests.Html;

/// <summary>
/// A headless Chromium driven over the DevTools protocol (one page, loopback only): open a file, record every
/// console message, script exception, log entry and network request of the page, take a screenshot, print to PDF.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _ws = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;
    private int _nextId;

    /// <summary>Every event the page sent (method and params), in arrival order.</summary>
    public ConcurrentQueue<(string Method, JsonElement Params)> Events { get; } = new();

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    [GeneratedRegex(@"DevTools listening on (ws://[^\s]+)")]
    private static partial Regex ListeningLine();

    public static async Task<HeadlessChromium> StartAsync(string exe, TimeSpan timeout)
    {
        var profile = Directory.CreateTempSubdirectory("segverify-chromium-").FullName;
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--mute-audio", "--hide-scrollbars", $"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1400,1000", "about:blank",
        })
            psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var c = new HeadlessChromium(p, profile);
        try
        {
            // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on standard error
            using var cts = new CancellationTokenSource(timeout);
            string? browserWs = null;
            while (browserWs is null)
            {
                var line = await p.StandardError.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException($"chromium exited ({p.ExitCode}) before listening");
                if (ListeningLine().Match(line) is { Success: true } m) browserWs = m.Groups[1].Value;
            }
            _ = p.StandardError.ReadToEndAsync(); // keep draining
            _ = p.StandardOutput.ReadToEndAsync();
            var http = new Uri(browserWs.Replace("ws://", "http://"));
            using var client = new HttpClient { BaseAddress = new Uri($"http://{http.Authority}") };
            string? pageWs = null;
            while (pageWs is null)
            {
                var list = JsonDocument.Parse(await client.GetStringAsync("/json/list", cts.Token)).RootElement;
                pageWs = list.EnumerateArray().Where(t => t.GetProperty("type").GetString() == "page")
                    .Select(t => t.GetProperty("webSocketDebuggerUrl").GetString()).FirstOrDefault();
                if (pageWs is null) await Task.Delay(100, cts.Token);
            }
            await c._ws.ConnectAsync(new Uri(pageWs), cts.Token);
            c._reader = Task.Run(c.ReadLoop);
            return c;
        }
        catch
        {
            await c.DisposeAsync();
            throw;
        }
    }

    private async Task ReadLoop()
    {
        var buf = new byte[1 << 16];
        var msg = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _ws.State == WebSocketState.Open)
            {
                var r = await _ws.ReceiveAsync(buf, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close) break;
                msg.Write(buf, 0, r.Count);
                if (!r.EndOfMessage) continue;
                var root = JsonDocument.Parse(msg.ToArray()).RootElement.Clone();
                msg.SetLength(0);
                if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var tcs))
                {
                    if (root.TryGetProperty("error", out var err)) tcs.TrySetException(new InvalidOperationException(err.ToString()));
                    else tcs.TrySetResult(root.GetProperty("result"));
                }
                else if (root.TryGetProperty("method", out var method))
                    Events.Enqueue((method.GetString()!, root.TryGetProperty("params", out var p) ? p : default));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var t in _pending.Values) t.TrySetCanceled();
    }

    /// <summary>Calls a DevTools method and returns its result.</summary>
    public async Task<JsonElement> SendAsync(string method, JsonObject? parameters = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var body = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _ws.SendAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        return await tcs.Task.WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
    }

    /// <summary>Waits until an event named <paramref name="method"/> has arrived.</summary>
    public async Task WaitForEventAsync(string method, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (!Events.Any(e => e.Method == method))
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"no {method} within {timeout}");
            await Task.Delay(50);
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value (JSON).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var r = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (r.TryGetProperty("exceptionDetails", out var ex)) throw new InvalidOperationException(ex.ToString());
        return r.GetProperty("result").GetProperty("value");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_ws.State == WebSocketState.Open)
                await _ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is WebSocketException or TimeoutException or OperationCanceledException) { }
        _stop.Cancel();
        if (_reader is not null) await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _ws.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stop.Dispose();
    }
}
