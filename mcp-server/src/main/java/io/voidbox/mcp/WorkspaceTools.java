package io.voidbox.mcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tools' logic, free of MCP: deterministic answers a test can predict exactly. Each returns a
 * JSON-ready map (insertion-ordered, so the text the agent sees is stable) or throws
 * {@link ToolException} with a message meant for the agent.
 */
final class WorkspaceTools {
    /** At most this many files are listed; more sets {@code truncated}. */
    static final int MAX_FILES = 1000;

    private WorkspaceTools() {}

    /** Words (runs of non-whitespace), lines and characters (code points) of {@code text}. */
    static Map<String, Object> wordCount(String text) {
        String t = text.strip();
        long words = t.isEmpty() ? 0 : t.split("\\s+").length;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("words", words);
        out.put("lines", text.lines().count());
        out.put("characters", (long) text.codePointCount(0, text.length()));
        return out;
    }

    /**
     * The regular files below {@code directory} (relative to {@code cwd} unless absolute), sorted by
     * path, with their sizes. Hidden entries (a name starting with {@code .}) are left out and
     * symbolic links are not followed.
     */
    static Map<String, Object> workspaceFiles(Path cwd, String directory) {
        Path dir = cwd.resolve(directory).normalize();
        if (!Files.isDirectory(dir)) {
            throw new ToolException("not a directory: " + dir);
        }
        List<Map<String, Object>> files = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return !d.equals(dir) && hidden(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile() && !hidden(f)) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("path", dir.relativize(f).toString());
                        e.put("bytes", attrs.size());
                        files.add(e);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // unreadable entries are left out, not fatal
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        files.sort(Comparator.comparing(e -> (String) e.get("path")));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("directory", dir.toString());
        out.put("files", files.size() > MAX_FILES ? files.subList(0, MAX_FILES) : files);
        out.put("truncated", files.size() > MAX_FILES);
        return out;
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    /** A tool call the agent got wrong (bad argument): reported to it as a tool error. */
    static final class ToolException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ToolException(String message) {
            super(message);
        }
    }
}
