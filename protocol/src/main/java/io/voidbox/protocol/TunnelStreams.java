package io.voidbox.protocol;

import io.voidbox.protocol.Message.TunnelClose;
import io.voidbox.protocol.Message.TunnelData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The tunnel streams of one channel, on either side: each stream joins a local TCP socket to
 * {@link TunnelData}/{@link TunnelClose} frames. Frames that arrive before the socket is attached
 * (the host still connecting) are queued; every socket has its own reader and writer (virtual)
 * threads, so a slow socket never holds up the channel's reader. A stream ends when both sides
 * have sent their {@link TunnelClose}; {@link #close()} drops them all.
 */
public final class TunnelStreams implements AutoCloseable {
    private static final int CHUNK = 32 * 1024;
    private static final byte[] EOF = new byte[0];

    private final Map<Long, Stream> streams = new ConcurrentHashMap<>();

    private static final class Stream {
        final LinkedBlockingQueue<byte[]> toSocket = new LinkedBlockingQueue<>();
        volatile Socket socket;
        boolean readDone;
        boolean writeDone;
    }

    /** Starts stream {@code id}; frames for it are queued until {@link #attach}. */
    public void register(long id) {
        streams.putIfAbsent(id, new Stream());
    }

    /** Joins {@code socket} to stream {@code id} and starts copying both ways; a dropped stream closes it. */
    public void attach(long id, Socket socket, Connection connection) {
        Stream s = streams.get(id);
        if (s == null) {
            closeQuietly(socket);
            return;
        }
        s.socket = socket;
        Thread.ofVirtual().name("tunnel-" + id + "-in").start(() -> readLoop(id, s, connection));
        Thread.ofVirtual().name("tunnel-" + id + "-out").start(() -> writeLoop(id, s));
    }

    /** Gives up stream {@code id} before it was attached (no socket): tells the peer and forgets it. */
    public void abort(long id, Connection connection) {
        streams.remove(id);
        sendQuietly(connection, new TunnelClose(id));
    }

    /** Routes a {@link TunnelData} or {@link TunnelClose} from the peer; frames of unknown streams are dropped. */
    public void onMessage(Message m) {
        Stream s = streams.get(m.requestId());
        if (s == null) return;
        switch (m) {
            case TunnelData d -> s.toSocket.add(d.chunk().array());
            case TunnelClose _ -> s.toSocket.add(EOF);
            default -> {}
        }
    }

    public int size() {
        return streams.size();
    }

    private void readLoop(long id, Stream s, Connection connection) {
        byte[] buf = new byte[CHUNK];
        try (InputStream in = s.socket.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0; ) connection.send(new TunnelData(id, Bytes.of(buf, n)));
        } catch (IOException e) {
            // the socket broke or the channel is gone: end this direction
        }
        sendQuietly(connection, new TunnelClose(id));
        finish(id, s, true);
    }

    private void writeLoop(long id, Stream s) {
        try {
            OutputStream out = s.socket.getOutputStream();
            while (true) {
                byte[] chunk = s.toSocket.take();
                if (chunk == EOF) {
                    s.socket.shutdownOutput();
                    break;
                }
                out.write(chunk);
                out.flush();
            }
        } catch (IOException e) {
            closeQuietly(s.socket); // the local side went away: the reader ends too
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(s.socket);
        }
        finish(id, s, false);
    }

    private void finish(long id, Stream s, boolean reader) {
        boolean done;
        synchronized (s) {
            if (reader) s.readDone = true;
            else s.writeDone = true;
            done = s.readDone && s.writeDone;
        }
        if (done) {
            streams.remove(id, s);
            closeQuietly(s.socket);
        }
    }

    /** Closes every stream's socket (the channel is gone). */
    @Override
    public void close() {
        for (Stream s : streams.values()) {
            s.toSocket.add(EOF);
            if (s.socket != null) closeQuietly(s.socket);
        }
        streams.clear();
    }

    private static void sendQuietly(Connection connection, Message m) {
        try {
            connection.send(m);
        } catch (IOException e) {
            // channel gone: the peer drops its streams itself
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
