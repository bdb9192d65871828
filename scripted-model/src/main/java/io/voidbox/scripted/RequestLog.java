package io.voidbox.scripted;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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

    /** One log line: the record's components in order, in snake_case, the body's flattened in. */
    static String toJson(RequestRecord r) {
        try {
            return JSON.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write request " + r.path(), e);
        }
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
