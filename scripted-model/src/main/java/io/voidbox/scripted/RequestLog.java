package io.voidbox.scripted;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends one JSON line per request; the server owns it and closes it. */
final class RequestLog implements RequestListener, AutoCloseable {
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private final BufferedWriter out;

    RequestLog(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            out = Files.newBufferedWriter(
                    file,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open request log " + file + ": " + e.getMessage(), e);
        }
    }

    static String toJson(RequestRecord r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ts", r.ts().toString());
        n.put("route", r.route());
        n.put("method", r.method());
        n.put("path", r.path());
        n.put("status", r.status());
        n.put("conversation", r.conversation());
        n.put("turn", r.turn());
        n.put("model", r.model());
        n.put("stream", r.stream());
        n.put("tools", r.tools());
        n.put("messages", r.messages());
        n.put("last_tool_result", r.lastToolResult());
        n.put("side_request", r.sideRequest());
        return n.toString();
    }

    @Override
    public synchronized void onRequest(RequestRecord request) {
        try {
            out.write(toJson(request));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // The log is a diagnostic aid: a full disk must not fail the model conversation.
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
