package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.SandboxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The measurement behind {@code accel: auto}: a trial boot of the image's bare initramfs under TCG
 * and one under KVM, the faster wins. A usable {@code /dev/kvm} does not make KVM fast: on nested
 * hosts a KVM guest may take 14 s to its first kernel line where TCG boots in 2 s (docs/kvm.md).
 *
 * <p>Bounded: TCG gets {@link #TCG_DEADLINE}, KVM {@link AccelSelector#KVM_TRIAL_DEADLINE}, and a
 * trial that has not booted by the time the other one did is stopped, since it cannot win. With at
 * least {@link #PARALLEL_MIN_CORES} cores both run at once (each keeps about one core busy, and the
 * host needs one); with fewer they would distort each other's timing, so TCG runs first and KVM
 * then gets no longer than TCG took: on 2 cores that costs at most twice the TCG boot, once per host.
 *
 * @param boot  boots one trial ({@link #system} boots the bare initramfs with QEMU)
 * @param cores the cores of this host, which decide whether the trials run at the same time
 * @param clock times the trials
 */
public record AccelTrials(Boot boot, int cores, Clock clock) {
    /** Deadline of the TCG trial; a bare TCG boot takes 2-4 s on a loaded 2-core host. */
    public static final Duration TCG_DEADLINE = Duration.ofSeconds(60);
    /** From this many cores on the two trials run at the same time. */
    public static final int PARALLEL_MIN_CORES = 4;

    /**
     * One trial boot.
     *
     * @param booted whether the bare guest printed its marker
     * @param millis QEMU start to the marker when booted; else how long it was given (0: not tried)
     * @param note   why it did not boot (empty when it did)
     */
    public record Trial(boolean booted, long millis, String note) {
        public Trial {
            note = note == null ? "" : note;
        }

        static Trial booted(Duration toMarker) {
            return new Trial(true, toMarker.toMillis(), "");
        }

        static Trial notTried(String why) {
            return new Trial(false, 0, why);
        }

        /** {@code 2.4 s}, or why not ({@code no boot within 2.4 s (TCG was faster)}). */
        public String describe() {
            return booted ? seconds(millis) : note;
        }
    }

    /**
     * What a pair of trials found.
     *
     * @param choice     the faster accelerator that booted (TCG when neither did)
     * @param kvm        the KVM trial
     * @param tcg        the TCG trial
     * @param measuredAt when the trials ran
     */
    public record Measurement(Accel choice, Trial kvm, Trial tcg, Instant measuredAt) {
        /** {@code kvm 14.2 s, tcg 1.6 s}. */
        public String summary() {
            return "kvm " + kvm.describe() + ", tcg " + tcg.describe();
        }

        /** Whether anything booted (a decision worth keeping). */
        public boolean conclusive() {
            return kvm.booted() || tcg.booted();
        }
    }

    /** Boots one trial; the production one is {@link BareBoot}. */
    @FunctionalInterface
    public interface Boot {
        /** Time to the marker, or a {@link SandboxException} when there was none within {@code deadline}. */
        Duration toMarker(GuestImage image, Accel accel, Duration deadline)
                throws SandboxException, InterruptedException;
    }

    /** Bare boots with {@code qemu}, as many cores as this JVM sees. */
    public static AccelTrials system(Path qemu) {
        Boot bare = (image, accel, deadline) ->
                BareBoot.run(qemu, image, accel, deadline, ConsoleListener.NONE).toMarker();
        return new AccelTrials(bare, Runtime.getRuntime().availableProcessors(), Clock.systemUTC());
    }

    /** Whether the two trials run at the same time here. */
    public boolean parallel() {
        return cores >= PARALLEL_MIN_CORES;
    }

    /** Runs the trials ({@code kvmUsable == false}: only TCG's) and picks the faster. */
    public Measurement measure(GuestImage image, boolean kvmUsable, String kvmReason) throws InterruptedException {
        Instant at = clock.instant();
        Trial tcg;
        Trial kvm;
        if (!kvmUsable) {
            tcg = trial(image, Accel.TCG, TCG_DEADLINE);
            kvm = Trial.notTried(kvmReason);
        } else if (parallel()) {
            Trial[] both = race(image);
            kvm = both[0];
            tcg = both[1];
        } else {
            tcg = trial(image, Accel.TCG, TCG_DEADLINE);
            Duration kvmDeadline = AccelSelector.KVM_TRIAL_DEADLINE;
            if (tcg.booted() && tcg.millis() < kvmDeadline.toMillis()) kvmDeadline = Duration.ofMillis(tcg.millis());
            kvm = trial(image, Accel.KVM, kvmDeadline);
            if (!kvm.booted() && tcg.booted() && kvmDeadline.toMillis() == tcg.millis() && kvm.millis() == tcg.millis())
                kvm = new Trial(false, tcg.millis(), "no boot within " + seconds(tcg.millis()) + " (TCG was faster)");
        }
        Accel choice = kvm.booted() && (!tcg.booted() || kvm.millis() < tcg.millis()) ? Accel.KVM : Accel.TCG;
        return new Measurement(choice, kvm, tcg, at);
    }

    private Trial trial(GuestImage image, Accel accel, Duration deadline) throws InterruptedException {
        long t0 = System.nanoTime();
        try {
            return Trial.booted(boot.toMarker(image, accel, deadline));
        } catch (SandboxException e) {
            long took = (System.nanoTime() - t0) / 1_000_000;
            if (took < deadline.toMillis())
                // QEMU gave up on its own (e.g. "failed to set MSR" under nested KVM), long before the deadline
                return new Trial(false, took, "failed after " + seconds(took) + ": " + firstLine(e.getMessage()));
            return new Trial(false, deadline.toMillis(), "no boot within " + seconds(deadline.toMillis()));
        }
    }

    /** {@code QEMU exited (code 134) before the guest was ready (<its last console line>)}, one line, bounded. */
    static String firstLine(String message) {
        String m = message == null ? "" : message.strip();
        String marker = "; last console lines:";
        int cut = m.indexOf(marker);
        String head =
                (cut >= 0 ? m.substring(0, cut) : m.lines().findFirst().orElse("")).replaceFirst("^VM [^:]+: ", "");
        String last = cut < 0
                ? ""
                : m.substring(cut + marker.length())
                        .lines()
                        .map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.equals("(none)"))
                        .reduce((a, b) -> b)
                        .orElse("");
        String line = last.isEmpty() ? head : head + " (" + last + ")";
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    /** Both at once; the first to boot stops the other. Returns {kvm, tcg}. */
    private Trial[] race(GuestImage image) throws InterruptedException {
        Trial[] out = new Trial[2];
        long t0 = System.nanoTime();
        int stopped = -1;
        Trial stoppedTrial = null;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var done = new ExecutorCompletionService<Integer>(pool);
            Future<Integer> kvm = done.submit(() -> {
                out[0] = trial(image, Accel.KVM, AccelSelector.KVM_TRIAL_DEADLINE);
                return 0;
            });
            Future<Integer> tcg = done.submit(() -> {
                out[1] = trial(image, Accel.TCG, TCG_DEADLINE);
                return 1;
            });
            int first = done.take().get();
            if (out[first].booted()) {
                Future<Integer> loser = first == 0 ? tcg : kvm;
                loser.cancel(true);
                long waited = (System.nanoTime() - t0) / 1_000_000;
                String winner = first == 0 ? "KVM" : "TCG";
                stopped = 1 - first;
                stoppedTrial =
                        new Trial(false, waited, "no boot within " + seconds(waited) + " (" + winner + " was faster)");
            } else {
                done.take().get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("accelerator trial crashed", e.getCause());
        }
        // set once the pool is closed: the stopped trial's thread has ended and writes nothing more
        if (stopped >= 0) out[stopped] = stoppedTrial;
        return out;
    }

    static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
