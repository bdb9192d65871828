package io.voidbox.spi.support;

import io.voidbox.protocol.TelemetryBatch;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Samples the agent's process tree from {@code /proc} so the local sandbox feeds the
 * {@code TelemetryAggregator} the same kind of samples a guest sends: CPU over the tree (percent
 * of all host CPUs, between samples), RSS summed over the tree, running processes and open fds.
 */
public final class ProcessTreeSampler {
    private static final long CLK_TCK = 100;
    private final Path proc;
    private final Supplier<List<ProcessHandle>> roots;
    private final int cpus = Runtime.getRuntime().availableProcessors();
    private long lastJiffies = -1;
    private long lastNanos;

    public ProcessTreeSampler(Path proc, Supplier<List<ProcessHandle>> roots) {
        this.proc = proc;
        this.roots = roots;
    }

    public TelemetryBatch.Sample sample() {
        List<ProcessHandle> all = new ArrayList<>();
        for (ProcessHandle r : roots.get()) {
            all.add(r);
            r.descendants().forEach(all::add);
        }
        long jiffies = 0, rss = 0;
        int runningCount = 0, fds = 0;
        List<TelemetryBatch.ProcessSample> procs = new ArrayList<>();
        for (ProcessHandle p : all) {
            ProcStat st = readStat(p.pid());
            if (st == null) continue;
            long pRss = readRssBytes(p.pid());
            jiffies += st.jiffies;
            rss += pRss;
            if (st.state == 'R') runningCount++;
            fds += countFds(p.pid());
            procs.add(new TelemetryBatch.ProcessSample((int) p.pid(), st.comm, pRss, st.jiffies));
        }
        long now = System.nanoTime();
        double cpu = 0;
        if (lastJiffies >= 0 && now > lastNanos) {
            double secs = (now - lastNanos) / 1e9;
            cpu = Math.max(0, Math.min(100, (jiffies - lastJiffies) / (double) CLK_TCK / secs / cpus * 100));
        }
        lastJiffies = jiffies;
        lastNanos = now;
        procs.sort(
                Comparator.comparingLong(TelemetryBatch.ProcessSample::rssBytes).reversed());
        return new TelemetryBatch.Sample(
                System.currentTimeMillis(),
                cpu,
                rss,
                memTotal(),
                runningCount,
                fds,
                procs.subList(0, Math.min(5, procs.size())));
    }

    private record ProcStat(String comm, char state, long jiffies) {}

    private ProcStat readStat(long pid) {
        try {
            String s = Files.readString(proc.resolve(pid + "/stat"));
            int open = s.indexOf('('), close = s.lastIndexOf(')');
            String comm = s.substring(open + 1, close);
            String[] f = s.substring(close + 2).split(" ");
            // after ')': state(0) ppid(1) ... utime(11) stime(12)
            return new ProcStat(comm, f[0].charAt(0), Long.parseLong(f[11]) + Long.parseLong(f[12]));
        } catch (IOException | RuntimeException e) {
            return null; // exited between listing and reading
        }
    }

    private long readRssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    private int countFds(long pid) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
            for (Path ignored : ds) n++;
        } catch (IOException | RuntimeException e) {
            // gone or not ours
        }
        return n;
    }

    private long memTotal() {
        try {
            for (String line : Files.readAllLines(proc.resolve("meminfo")))
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 0;
    }
}
