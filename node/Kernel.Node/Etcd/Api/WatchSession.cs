using System.Collections.Concurrent;
using System.Threading.Channels;

using Google.Protobuf;

using Kernel.Node.Etcd.Mvcc;
using Kernel.Node.Etcd.Protos;

namespace Kernel.Node.Etcd.Api;

/// <summary>
/// One watch stream (a gRPC Watch call, or the gateway's <c>/v3/watch</c>): takes create, cancel and progress requests,
/// and writes every response (created, events, cancelled) to one output channel the transport drains. Each watch replays
/// its history from its start revision, then forwards live events from its watcher until the client cancels it, the
/// stream ends, or the store cancels it as too slow (the response says why).
/// </summary>
internal sealed class WatchSession(EtcdApi api, ChannelWriter<WatchResponse> output, CancellationToken streamEnded) : IAsyncDisposable
{
    /// <summary>Events per response when history is replayed.</summary>
    private const int ReplayChunk = 1000;

    private readonly ConcurrentDictionary<long, (Watcher Watcher, Task Pump)> _watches = new();
    private long _nextId;

    public async Task HandleAsync(WatchRequest request)
    {
        switch (request.RequestUnionCase)
        {
            case WatchRequest.RequestUnionOneofCase.CreateRequest:
                await CreateAsync(request.CreateRequest).ConfigureAwait(false);
                break;
            case WatchRequest.RequestUnionOneofCase.CancelRequest:
                var id = request.CancelRequest.WatchId;
                if (_watches.TryRemove(id, out var watch))
                {
                    api.Store.Watchers.Remove(watch.Watcher);
                    await watch.Pump.ConfigureAwait(false);
                    await output.WriteAsync(new WatchResponse { Header = api.Header(0), WatchId = id, Canceled = true }, streamEnded).ConfigureAwait(false);
                }

                break;
            case WatchRequest.RequestUnionOneofCase.ProgressRequest:
                var revision = await api.RunAsync(() => api.Store.Revision, linearizable: false, streamEnded).ConfigureAwait(false);
                await output.WriteAsync(new WatchResponse { Header = api.Header(revision), WatchId = -1 }, streamEnded).ConfigureAwait(false);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (watcher, pump) in _watches.Values)
        {
            api.Store.Watchers.Remove(watcher);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
                // The stream is gone: nothing more to send.
            }
        }

        _watches.Clear();
    }

    private async Task CreateAsync(WatchCreateRequest create)
    {
        var id = create.WatchId;
        if (id == 0)
        {
            while (_watches.ContainsKey(_nextId))
            {
                _nextId++;
            }

            id = _nextId++;
        }
        else if (_watches.ContainsKey(id))
        {
            await output.WriteAsync(new WatchResponse
            {
                Header = api.Header(0),
                WatchId = id,
                Created = true,
                Canceled = true,
                CancelReason = "etcdserver: duplicate watch ID",
            }, streamEnded).ConfigureAwait(false);
            return;
        }

        var range = KeyRange.Of(create.Key, create.RangeEnd);
        var start = await api.RunAsync(
            () => api.Store.StartWatch(range, create.StartRevision, api.Options.WatchBuffer),
            linearizable: false,
            streamEnded).ConfigureAwait(false);
        await output.WriteAsync(new WatchResponse { Header = api.Header(start.Revision), WatchId = id, Created = true }, streamEnded).ConfigureAwait(false);
        if (start.Watcher is null)
        {
            await output.WriteAsync(new WatchResponse
            {
                Header = api.Header(start.Revision),
                WatchId = id,
                Canceled = true,
                CompactRevision = start.CompactRevision,
                CancelReason = EtcdError.Compacted.Message,
            }, streamEnded).ConfigureAwait(false);
            return;
        }

        _watches[id] = (start.Watcher, PumpAsync(id, create, start));
    }

    private async Task PumpAsync(long id, WatchCreateRequest create, WatchStart start)
    {
        var noPut = create.Filters.Contains(WatchCreateRequest.Types.FilterType.Noput);
        var noDelete = create.Filters.Contains(WatchCreateRequest.Types.FilterType.Nodelete);
        List<Event> Select(IEnumerable<Event> events) => events
            .Where(e => e.Kv.ModRevision >= create.StartRevision)
            .Where(e => !(noPut && e.Type == Event.Types.EventType.Put) && !(noDelete && e.Type == Event.Types.EventType.Delete))
            .Select(e => create.PrevKv || e.PrevKv is null ? e : new Event { Type = e.Type, Kv = e.Kv })
            .ToList();

        try
        {
            foreach (var chunk in Select(start.Replay).Chunk(ReplayChunk))
            {
                await SendAsync(id, chunk, start.Revision).ConfigureAwait(false);
            }

            var reader = start.Watcher!.Events;
            Task<bool>? waiting = null;
            while (true)
            {
                waiting ??= reader.WaitToReadAsync(streamEnded).AsTask();
                if (create.ProgressNotify && !await EventsBeforeProgressAsync(id, reader, waiting).ConfigureAwait(false))
                {
                    continue;
                }

                var more = await waiting.ConfigureAwait(false);
                waiting = null;
                if (!more)
                {
                    break;
                }

                while (reader.TryRead(out var batch))
                {
                    var events = Select(batch);
                    if (events.Count > 0)
                    {
                        await SendAsync(id, events, events[^1].Kv.ModRevision).ConfigureAwait(false);
                    }
                }
            }

            if (start.Watcher.CancelReason is { } reason)
            {
                _ = _watches.TryRemove(id, out _);
                await output.WriteAsync(new WatchResponse { Header = api.Header(0), WatchId = id, Canceled = true, CancelReason = reason }, streamEnded).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            // The stream ended.
        }
    }

    /// <summary>
    /// Waits for events or the progress interval, whichever comes first: true when events (or the watcher's end) came;
    /// false when the interval passed, after sending a progress notification if every event up to the store's revision
    /// has been sent (etcd's guarantee: later events all have a higher revision than the notification's).
    /// </summary>
    private async Task<bool> EventsBeforeProgressAsync(long id, ChannelReader<IReadOnlyList<Event>> reader, Task<bool> waiting)
    {
        using var tick = CancellationTokenSource.CreateLinkedTokenSource(streamEnded);
        var interval = Task.Delay(api.Options.WatchProgressInterval, api.Time, tick.Token);
        if (await Task.WhenAny(waiting, interval).ConfigureAwait(false) == waiting)
        {
            await tick.CancelAsync().ConfigureAwait(false);
            return true;
        }

        streamEnded.ThrowIfCancellationRequested();
        var revision = await api.RunAsync(() => api.Store.Revision, linearizable: false, streamEnded).ConfigureAwait(false);
        if (reader.Count == 0 && !waiting.IsCompleted)
        {
            await output.WriteAsync(new WatchResponse { Header = api.Header(revision), WatchId = id }, streamEnded).ConfigureAwait(false);
        }

        return false;
    }

    private ValueTask SendAsync(long id, IEnumerable<Event> events, long revision)
    {
        var response = new WatchResponse { Header = api.Header(revision), WatchId = id };
        response.Events.AddRange(events);
        return output.WriteAsync(response, streamEnded);
    }

    /// <summary>Runs a whole watch stream: requests in, responses out through <paramref name="write"/>, until either side ends.</summary>
    public static async Task RunAsync(
        EtcdApi api,
        IAsyncEnumerable<WatchRequest> requests,
        Func<WatchResponse, Task> write,
        CancellationToken cancellationToken)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var responses = Channel.CreateBounded<WatchResponse>(new BoundedChannelOptions(64) { SingleReader = true });
        var sender = Task.Run(async () =>
        {
            try
            {
                await foreach (var response in responses.Reader.ReadAllAsync(ended.Token).ConfigureAwait(false))
                {
                    await write(response).ConfigureAwait(false);
                }
            }
            finally
            {
                // A stream that cannot be written ends the session.
                await ended.CancelAsync().ConfigureAwait(false);
            }
        }, ended.Token);
        var session = new WatchSession(api, responses.Writer, ended.Token);
        try
        {
            await foreach (var request in requests.WithCancellation(ended.Token).ConfigureAwait(false))
            {
                await session.HandleAsync(request).ConfigureAwait(false);
            }

            // A client that closes its side still receives events until it goes away (as etcd's watch server does).
            await Task.Delay(Timeout.Infinite, ended.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ChannelClosedException)
        {
            // The client went away (or its stream could no longer be written).
        }
        finally
        {
            await ended.CancelAsync().ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
            responses.Writer.TryComplete();
            try
            {
                await sender.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The stream is closed.
            }
        }
    }
}
