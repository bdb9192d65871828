package io.voidbox.guest;

import io.voidbox.protocol.TelemetryBatch;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads one {@link TelemetryBatch.Sample} from a {@code /proc} tree (injectable, so tests can use
 * a fake one): CPU percent between two readings of {@code /proc/stat}, memory used as
 * MemTotal - MemAvailable, {@code procs_running}, open file handles ({@code sys/fs/file-nr}) and
 * the top processes by RSS. Each part that fails is logged once and reported as 0; sampling goes
 * on. Not thread-safe: one sampling thread.
 */
final class ProcSampler {
    static final int TOP_PROCESSES = 5;

    private final Path proc;
    private final Set<String> reported = new HashSet<>();
    private long lastBusy = -1;
    private long lastTotal = -1;

    ProcSampler(Path procRoot) {
        this.proc = procRoot;
        try {
            cpuPercent(); // prime, so the first sample measures a real interval
        } catch (IOException | RuntimeException e) {
            // reported on the first sample
        }
    }

    TelemetryBatch.Sample sample(long timestampMs) {
        double cpu = 0;
        int running = 0;
        long total = 0;
        long used = 0;
        int fds = 0;
        List<TelemetryBatch.ProcessSample> top = List.of();
        try {
            cpu = cpuPercent();
            running = procsRunning();
        } catch (IOException | RuntimeException e) {
            failed("stat", e);
        }
        try {
            long[] mem = memory();
            total = mem[0];
            used = mem[1];
        } catch (IOException | RuntimeException e) {
            failed("meminfo", e);
        }
        try {
            fds = openFds();
        } catch (IOException | RuntimeException e) {
            failed("open fds", e);
        }
        try {
            top = topProcesses();
        } catch (IOException | RuntimeException e) {
            failed("processes", e);
        }
        return new TelemetryBatch.Sample(timestampMs, cpu, used, total, running, fds, top);
    }

    private void failed(String part, Exception e) {
        String key = part.startsWith("process ") ? "process" : part;
        if (reported.add(key))
            Log.warn("telemetry: cannot sample " + part + " from " + proc + ": " + e
                    + " (reported once, sampling goes on)");
    }

    /** Busy share of all jiffies since the previous call, 0..100. */
    double cpuPercent() throws IOException {
        String first = Files.readAllLines(proc.resolve("stat")).stream()
                .filter(l -> l.startsWith("cpu "))
                .findFirst()
                .orElseThrow(() -> new IOException("no 'cpu' line in " + proc.resolve("stat")));
        String[] f = first.trim().split("\\s+");
        long total = 0;
        // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
        for (int i = 1; i < Math.min(f.length, 9); i++) total += Long.parseLong(f[i]);
        long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        long busy = total - idle;
        double percent = 0;
        if (lastTotal >= 0 && total > lastTotal) {
            percent = 100.0 * Math.max(0, busy - lastBusy) / (total - lastTotal);
        }
        lastBusy = busy;
        lastTotal = total;
        return Math.min(100.0, percent);
    }

    int procsRunning() throws IOException {
        for (String line : Files.readAllLines(proc.resolve("stat"))) {
            if (line.startsWith("procs_running "))
                return Integer.parseInt(line.substring(14).trim());
        }
        throw new IOException("no procs_running line in " + proc.resolve("stat"));
    }

    /** {total, used} in bytes. */
    long[] memory() throws IOException {
        long total = -1;
        long available = -1;
        long free = 0;
        long buffers = 0;
        long cached = 0;
        for (String line : Files.readAllLines(proc.resolve("meminfo"))) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon);
            switch (key) {
                case "MemTotal" -> total = kib(line, colon);
                case "MemAvailable" -> available = kib(line, colon);
                case "MemFree" -> free = kib(line, colon);
                case "Buffers" -> buffers = kib(line, colon);
                case "Cached" -> cached = kib(line, colon);
                default -> {}
            }
        }
        if (total < 0) throw new IOException("no MemTotal in " + proc.resolve("meminfo"));
        if (available < 0) available = free + buffers + cached; // kernels before 3.14
        return new long[] {total, Math.max(0, total - available)};
    }

    private static long kib(String line, int colon) {
        String v = line.substring(colon + 1).trim();
        int space = v.indexOf(' ');
        long n = Long.parseLong(space < 0 ? v : v.substring(0, space));
        return v.endsWith("kB") ? n * 1024 : n;
    }

    /** Allocated file handles system-wide, or the count of {@code /proc/*}{@code /fd/*} entries. */
    int openFds() throws IOException {
        Path fileNr = proc.resolve("sys/fs/file-nr");
        if (Files.exists(fileNr))
            return Integer.parseInt(Files.readString(fileNr).trim().split("\\s+")[0]);
        int count = 0;
        for (Path pid : pids()) {
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(pid.resolve("fd"))) {
                for (Path ignored : fds) count++;
            } catch (IOException e) {
                // exited or not ours
            }
        }
        return count;
    }

    List<TelemetryBatch.ProcessSample> topProcesses() throws IOException {
        List<TelemetryBatch.ProcessSample> all = new ArrayList<>();
        for (Path dir : pids()) {
            try {
                long rss = rssBytes(dir);
                if (rss <= 0) continue; // kernel threads have no VmRSS
                ProcStat st = ProcStat.parse(Files.readString(dir.resolve("stat")));
                all.add(new TelemetryBatch.ProcessSample(st.pid(), st.comm(), rss, st.utime() + st.stime()));
            } catch (NoSuchFileException e) {
                // exited while we looked
            } catch (IOException | RuntimeException e) {
                failed("process " + dir.getFileName() + " (first failure shown)", e);
            }
        }
        all.sort(Comparator.comparingLong(TelemetryBatch.ProcessSample::rssBytes)
                .reversed()
                .thenComparingInt(TelemetryBatch.ProcessSample::pid));
        return List.copyOf(all.subList(0, Math.min(TOP_PROCESSES, all.size())));
    }

    private static long rssBytes(Path dir) throws IOException {
        for (String line : Files.readAllLines(dir.resolve("status"))) {
            if (line.startsWith("VmRSS:")) return kib(line, 5);
        }
        return 0;
    }

    private List<Path> pids() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(
                proc, p -> ProcessGroups.isPid(p.getFileName().toString()))) {
            dirs.forEach(out::add);
        }
        return out;
    }
}
