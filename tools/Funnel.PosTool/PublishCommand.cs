using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Funnel.Core.Purchases;
using Funnel.Pos;

namespace Funnel.PosTool;

/// <summary>
/// <c>publish [--connection CONNECTION] [--file PATH]</c>: reads purchases, one JSON object a line (the body of
/// POST /api/purchases), from the file or standard input, checks them all, and publishes them to topic "purchases".
/// The connection is a connection string or a namespace host name (signed in with DefaultAzureCredential), from
/// --connection or the environment variable ServiceBusConnection.
/// </summary>
internal static class PublishCommand
{
    public const string Usage = "usage: Funnel.PosTool publish [--connection CONNECTION_STRING_OR_NAMESPACE] [--file PURCHASES.jsonl]  (default: standard input; connection: $ServiceBusConnection)";

    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken,
        Func<string, PurchasePublisher>? publisherFor = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != "publish") return Fail(error, Usage);
        string? connection = Environment.GetEnvironmentVariable("ServiceBusConnection"), file = null;
        for (var i = 1; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--connection" when value is not null: connection = value; break;
                case "--file" when value is not null: file = value; break;
                default: return Fail(error, $"Unknown or incomplete option '{args[i]}'.\n{Usage}");
            }
        }
        if (string.IsNullOrWhiteSpace(connection)) return Fail(error, $"No Service Bus connection: pass --connection or set ServiceBusConnection.\n{Usage}");
        if (file is not null && !File.Exists(file)) return Fail(error, $"No file {file}.");

        var purchases = new List<PurchaseMessage>();
        using (var reader = file is null ? null : new StreamReader(file))
        {
            var source = reader ?? input;
            var lineNumber = 0;
            while (await source.ReadLineAsync(cancellationToken) is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    purchases.Add(JsonSerializer.Deserialize<PurchaseMessage>(line, PurchaseMessage.Json) ?? throw new JsonException("null"));
                }
                catch (JsonException e)
                {
                    return Fail(error, $"Line {lineNumber} is not a purchase in JSON: {e.Message}");
                }
            }
        }

        PurchasePublisher publisher;
        ServiceBusClient? client = null;
        if (publisherFor is not null)
        {
            publisher = publisherFor(connection);
        }
        else
        {
            client = PurchasePublisher.CreateClient(connection);
            publisher = PurchasePublisher.Create(client);
        }
        try
        {
            var sent = await publisher.PublishAsync(purchases, cancellationToken);
            await output.WriteLineAsync($"Published {sent} purchase(s) to topic '{PurchaseTopic.Name}'.");
            return 0;
        }
        catch (ArgumentException e)
        {
            return Fail(error, $"Nothing was published. {e.Message}");
        }
        finally
        {
            if (client is not null) await client.DisposeAsync();
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return 2;
    }
}
