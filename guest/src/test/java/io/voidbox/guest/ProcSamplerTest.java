package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.protocol.TelemetryBatch.ProcessSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcSamplerTest {
    @TempDir
    Path proc;

    private void stat(long user, long system, long idle, long iowait, int running) throws IOException {
        Files.writeString(proc.resolve("stat"), """
                cpu  %d 0 %d %d %d 0 0 0 0 0
                cpu0 1 2 3 4 5 6 7 8 9 10
                intr 12345
                ctxt 999
                btime 1700000000
                processes 4242
                procs_running %d
                procs_blocked 0
                """.formatted(user, system, idle, iowait, running));
    }

    private void process(int pid, String comm, Long rssKb, long utime, long stime) throws IOException {
        Path d = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        Files.writeString(
                d.resolve("stat"),
                pid + " (" + comm + ") S 1 " + pid + " " + pid + " 0 -1 4194560 100 0 0 0 " + utime + " " + stime
                        + " 0 0 20 0 1 0 100 1000000 250 18446744073709551615\n");
        Files.writeString(
                d.resolve("status"),
                "Name:\t" + comm + "\nState:\tS (sleeping)\n" + (rssKb == null ? "" : "VmRSS:\t   " + rssKb + " kB\n")
                        + "Threads:\t1\n");
    }

    @BeforeEach
    void fakeProc() throws IOException {
        stat(100, 100, 800, 0, 2);
        Files.writeString(proc.resolve("meminfo"), """
                MemTotal:        2048000 kB
                MemFree:          100000 kB
                MemAvailable:    1536000 kB
                Buffers:           10000 kB
                Cached:           200000 kB
                """);
        Files.createDirectories(proc.resolve("sys/fs"));
        Files.writeString(proc.resolve("sys/fs/file-nr"), "1184\t0\t9223372036854775807\n");
        process(1, "init", 1000L, 5, 5);
        process(2, "kthreadd", null, 0, 50);
        process(100, "claude", 300_000L, 700, 300);
        process(101, "my (weird) proc) x", 50_000L, 10, 20);
        process(102, "node", 120_000L, 1, 1);
        process(103, "sh", 2_000L, 0, 0);
        process(104, "sleep", 800L, 0, 0);
        Files.createDirectories(proc.resolve("self")); // non-numeric entries are ignored
    }

    @Test
    void computesCpuPercentBetweenSamplesAndReadsMemoryAndCounts() throws IOException {
        var sampler = new ProcSampler(proc); // primes with busy=200 of total=1000
        stat(200, 100, 1150, 50, 5); // total 1500 (+500), idle+iowait 1200, busy 300 (+100)
        TelemetryBatch.Sample s = sampler.sample(42);
        assertThat(s.timestampMs()).isEqualTo(42);
        assertThat(s.cpuPercent()).isEqualTo(20.0);
        assertThat(s.procsRunning()).isEqualTo(5);
        assertThat(s.memTotalBytes()).isEqualTo(2048000L * 1024);
        assertThat(s.memUsedBytes()).isEqualTo((2048000L - 1536000L) * 1024);
        assertThat(s.openFds()).isEqualTo(1184);

        assertThat(sampler.sample(43).cpuPercent()).as("no jiffies passed").isZero();
    }

    @Test
    void picksTopFiveProcessesByRssAndParsesTrickyComm() {
        var top = new ProcSampler(proc).sample(1).topProcesses();
        assertThat(top)
                .containsExactly(
                        new ProcessSample(100, "claude", 300_000L * 1024, 1000),
                        new ProcessSample(102, "node", 120_000L * 1024, 2),
                        new ProcessSample(101, "my (weird) proc) x", 50_000L * 1024, 30),
                        new ProcessSample(103, "sh", 2_000L * 1024, 0),
                        new ProcessSample(1, "init", 1000L * 1024, 10));
    }

    @Test
    void missingPartsAreReportedOnceAndSamplingGoesOn() throws IOException {
        Files.delete(proc.resolve("meminfo"));
        Files.delete(proc.resolve("sys/fs/file-nr"));
        Files.createDirectories(proc.resolve("100/fd"));
        Files.writeString(proc.resolve("100/fd/0"), "");
        Files.writeString(proc.resolve("100/fd/1"), "");
        var sampler = new ProcSampler(proc);
        TelemetryBatch.Sample s = sampler.sample(1);
        assertThat(s.memTotalBytes()).isZero();
        assertThat(s.openFds()).as("counted from /proc/*/fd").isEqualTo(2);
        assertThat(s.topProcesses()).hasSize(5);
        assertThat(sampler.sample(2).procsRunning()).isEqualTo(2);
    }

    @Test
    void fallsBackToFreeBuffersCachedWithoutMemAvailable() throws IOException {
        Files.writeString(
                proc.resolve("meminfo"), "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
        assertThat(new ProcSampler(proc).sample(1).memUsedBytes()).isEqualTo(600L * 1024);
    }

    @Test
    void samplesTheRealProc() throws InterruptedException {
        var sampler = new ProcSampler(Path.of("/proc"));
        Thread.sleep(150);
        TelemetryBatch.Sample s = sampler.sample(System.currentTimeMillis());
        assertThat(s.memTotalBytes()).isPositive();
        assertThat(s.memUsedBytes()).isBetween(1L, s.memTotalBytes());
        assertThat(s.procsRunning()).isPositive();
        assertThat(s.openFds()).isPositive();
        assertThat(s.cpuPercent()).isBetween(0.0, 100.0);
        assertThat(s.topProcesses())
                .hasSize(5)
                .allSatisfy(p -> assertThat(p.rssBytes()).isPositive());
        assertThat(s.topProcesses())
                .extracting(TelemetryBatch.ProcessSample::rssBytes)
                .isSortedAccordingTo(Comparator.reverseOrder());
        // the largest process is at least about as large as this JVM (a busy host may have larger ones)
        long selfRss = selfRssBytes();
        assertThat(s.topProcesses().getFirst().rssBytes()).isGreaterThanOrEqualTo(selfRss / 2);
    }

    private static long selfRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
