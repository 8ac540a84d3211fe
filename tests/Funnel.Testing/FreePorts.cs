using System.Net;
using System.Net.Sockets;

namespace Funnel.Testing;

/// <summary>Loopback ports nothing listens on now.</summary>
public static class FreePorts
{
    /// <summary>
    /// <paramref name="count"/> distinct ports: every listener stays open until all are chosen, since the system may
    /// hand out a port again as soon as its listener closes (two of Azurite's services once got the same one).
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }

    public static int Take() => Take(1)[0];
}
