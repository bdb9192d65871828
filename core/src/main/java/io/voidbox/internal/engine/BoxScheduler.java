package io.voidbox.internal.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Admits the boxes of one run, first come first served, so that a fan-out wider than the host
 * queues instead of stretching every box: three TCG guests on two cores each took 35-40 s where
 * one alone takes ~15 s. A box waits until
 * <ul>
 *   <li>fewer than {@code max_parallel} boxes run (when set: spec {@code pipeline.max_parallel},
 *       {@link io.voidbox.VoidBox.Builder#maxParallel}, CLI {@code --max-parallel}), and
 *   <li>for a micro-VM: the vCPUs of the run's VMs, its own included, fit in the host's cores
 *       (a guest's vCPU keeps a host core busy, under TCG all the time) and their {@code memory_mb}
 *       in the memory that was available when the run started, less {@link #MEMORY_RESERVE_MB}.
 * </ul>
 * Local boxes have no default limit (their agents mostly wait for the model). A box that would
 * never fit still runs once nothing else (no VM, for a VM) is running, and nobody overtakes the box
 * at the head of the queue. Waits are measured and reported on {@code stage.started} as
 * {@code queued_ms}.
 */
public final class BoxScheduler {
    /** Memory left to the host (the JVM, the agents' servers, page cache) when VMs are admitted. */
    public static final long MEMORY_RESERVE_MB = 512;

    /**
     * What one box takes while it runs.
     *
     * @param vm       whether it is a micro-VM (only those count against cores and memory)
     * @param vcpus    its vCPUs
     * @param memoryMb its guest memory
     */
    public record Demand(boolean vm, int vcpus, long memoryMb) {
        public static final Demand LOCAL = new Demand(false, 0, 0);

        public static Demand vm(int vcpus, long memoryMb) {
            return new Demand(true, vcpus, memoryMb);
        }
    }

    /**
     * What the host offers a run.
     *
     * @param maxParallel boxes at once, when limited
     * @param cores       vCPUs the run's VMs may use together
     * @param memoryMb    memory the run's VMs may use together
     */
    public record Limits(OptionalInt maxParallel, int cores, long memoryMb) {
        public Limits {
            if (maxParallel.isPresent() && maxParallel.getAsInt() < 1)
                throw new IllegalArgumentException("max_parallel must be at least 1, was " + maxParallel.getAsInt());
        }

        /** This host: its cores, and its available memory (from {@code /proc/meminfo}) less the reserve. */
        public static Limits host(OptionalInt maxParallel) {
            long memory = availableMemoryMb(Path.of("/proc/meminfo")).orElse(Long.MAX_VALUE / 2);
            return new Limits(
                    maxParallel, Runtime.getRuntime().availableProcessors(), Math.max(0, memory - MEMORY_RESERVE_MB));
        }
    }

    /** A box's slot, held while it runs; closing it lets the next box in. */
    public final class Permit implements AutoCloseable {
        private final Demand demand;
        private final Duration waited;
        private boolean released;

        private Permit(Demand demand, Duration waited) {
            this.demand = demand;
            this.waited = waited;
        }

        /** How long the box waited for this slot. */
        public Duration waited() {
            return waited;
        }

        @Override
        public void close() {
            release(this);
        }
    }

    private final Limits limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    private int running;
    private int vmsRunning;
    private int vcpus;
    private long memoryMb;

    public BoxScheduler(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** Waits for the box's turn and a slot that fits it; interruption leaves the queue. */
    public Permit admit(Demand d) throws InterruptedException {
        long t0 = System.nanoTime();
        Object ticket = new Object();
        lock.lock();
        try {
            queue.add(ticket);
            try {
                while (queue.peek() != ticket || !fits(d)) changed.await();
            } catch (InterruptedException e) {
                queue.remove(ticket);
                changed.signalAll(); // the next one may be at the head now
                throw e;
            }
            queue.remove();
            running++;
            if (d.vm()) {
                vmsRunning++;
                vcpus += d.vcpus();
                memoryMb += d.memoryMb();
            }
            changed.signalAll(); // the next in line may fit as well
            return new Permit(d, Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            lock.unlock();
        }
    }

    private boolean fits(Demand d) {
        if (limits.maxParallel().isPresent()
                && running > 0
                && running >= limits.maxParallel().getAsInt()) return false;
        if (!d.vm() || vmsRunning == 0) return true;
        return vcpus + d.vcpus() <= limits.cores() && memoryMb + d.memoryMb() <= limits.memoryMb();
    }

    private void release(Permit p) {
        lock.lock();
        try {
            if (p.released) return;
            p.released = true;
            running--;
            if (p.demand.vm()) {
                vmsRunning--;
                vcpus -= p.demand.vcpus();
                memoryMb -= p.demand.memoryMb();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** {@code MemAvailable} of {@code meminfo} in MiB, when readable. */
    static OptionalLong availableMemoryMb(Path meminfo) {
        try {
            return Files.readAllLines(meminfo).stream()
                    .filter(l -> l.startsWith("MemAvailable:"))
                    .map(l -> l.replaceAll("[^0-9]", ""))
                    .filter(s -> !s.isEmpty())
                    .mapToLong(kb -> Long.parseLong(kb) / 1024)
                    .findFirst();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
