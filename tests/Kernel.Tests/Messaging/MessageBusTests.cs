using Kernel.Host.Messaging;
using Kernel.Sdk.Messaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kernel.Tests.Messaging;

public sealed class MessageBusTests
{
    [Fact]
    public async Task Each_subscriber_gets_every_message_in_order()
    {
        await using var bus = new MessageBus(NullLogger<MessageBus>.Instance);
        var topic = new Topic<int>("numbers");
        var a = new List<int>();
        var b = new List<int>();
        var done = new CountdownEvent(2);
        await using var s1 = bus.Subscribe("a", topic, (m, _) => { a.Add(m); if (m == 99) { done.Signal(); } return ValueTask.CompletedTask; }, 8);
        await using var s2 = bus.Subscribe("b", topic, (m, _) => { b.Add(m); if (m == 99) { done.Signal(); } return ValueTask.CompletedTask; }, 8);

        for (var i = 0; i < 100; i++)
        {
            await bus.PublishAsync(topic, i, CancellationToken.None);
        }

        Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(Enumerable.Range(0, 100), a);
        Assert.Equal(Enumerable.Range(0, 100), b);
    }

    [Fact]
    public async Task A_full_subscriber_makes_the_publisher_wait_instead_of_dropping()
    {
        await using var bus = new MessageBus(NullLogger<MessageBus>.Instance);
        var topic = new Topic<int>("slow");
        var gate = new SemaphoreSlim(0);
        var seen = new List<int>();
        await using var sub = bus.Subscribe("slow", topic, async (m, ct) => { await gate.WaitAsync(ct); lock (seen) { seen.Add(m); } }, 1);

        await bus.PublishAsync(topic, 1, CancellationToken.None); // taken by the handler, which blocks
        await bus.PublishAsync(topic, 2, CancellationToken.None); // fills the channel (capacity 1)
        await Task.Delay(50);
        var third = bus.PublishAsync(topic, 3, CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(third.IsCompleted); // backpressure: the publisher waits

        gate.Release(3);
        await third.WaitAsync(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 300 && seen.Count < 3; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public async Task Removing_an_owner_ends_its_subscriptions()
    {
        await using var bus = new MessageBus(NullLogger<MessageBus>.Instance);
        var topic = new Topic<string>("t");
        bus.Subscribe("plugin", topic, (_, _) => ValueTask.CompletedTask, 4);
        bus.Subscribe("plugin", new Topic<int>("u"), (_, _) => ValueTask.CompletedTask, 4);
        Assert.Equal(2, bus.CountOwnedBy("plugin"));

        await bus.RemoveOwnerAsync("plugin");

        Assert.Equal(0, bus.CountOwnedBy("plugin"));
    }
}
