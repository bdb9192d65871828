package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import io.voidbox.SandboxOptions;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ResourceLimitException;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.ScriptRun;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A hostile agent inside a real VM tries to take the box down: a fork bomb and a memory hog each
 * fail their command with an error naming the limit, and the guest (its agent, the channel) and
 * the host carry on.
 */
@VmTest
class BoundsVmTest {
    private static SandboxRequest request() {
        BoxScope scope = new BoxScope("test", "bounds-test", "bounds", e -> {});
        return new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM, SandboxOptions.Accel.TCG, 1024, 1, false, Map.of(), List.of(), 1000),
                b -> {});
    }

    private static String run(Sandbox sb, String script, Duration timeout) throws Exception {
        ScriptRun.Out o = ScriptRun.bash(sb, timeout, script);
        if (o.result().exitCode() != 0 || o.result().timedOut())
            System.out.println("[bounds-test] '" + script + "' -> " + o.result() + " stdout=" + o.stdout() + " stderr="
                    + o.stderr().substring(0, Math.min(2000, o.stderr().length())));
        return o.stdout();
    }

    private static String diagnose(Sandbox sb) {
        try {
            return run(
                    sb,
                    "cd /sys/fs/cgroup/agent; grep . pids.current pids.events memory.current memory.events */pids.events"
                            + " */cgroup.events 2>&1 | head -40",
                    Duration.ofSeconds(60));
        } catch (Exception e) {
            return "(cannot read: " + e + ")";
        }
    }

    @Test
    void aForkBombAndAMemoryHogFailWithTheLimitTheyHitAndTheGuestSurvives(VmSandboxProvider vm) throws Exception {
        try (Sandbox sb = vm.start(request())) {
            String facts = run(
                    sb,
                    "cat /proc/self/cgroup; cat /proc/self/oom_score_adj; cat /proc/$(pidof java)/oom_score_adj;"
                            + " cat /proc/sys/user/max_user_namespaces; cat /sys/fs/cgroup/agent/pids.max;"
                            + " cat /sys/fs/cgroup/agent/cpu.weight;"
                            + " df -k /tmp | tail -1 | awk '{print ($2 > 0 ? \"tmp-sized\" : \"tmp-unsized\")}'",
                    Duration.ofSeconds(60));
            assertThat(facts.lines().toList().getFirst()).startsWith("0::/agent/exec-"); // its own cgroup under agent
            assertThat(facts.lines().skip(1)).containsExactly("0", "-1000", "0", "512", "100", "tmp-sized");

            // the classic: each call forks two more in the background, until the box's pids.max refuses forks;
            // the command stays alive meanwhile (a bare `wait` returns at once: the bomb's parents do not wait),
            // and the limit is reported as the cause
            Throwable bomb = catchThrowable(() -> run(sb, ":(){ :|:& };:; sleep 110", Duration.ofSeconds(120)));
            if (!(bomb instanceof ResourceLimitException)) fail("fork bomb: " + bomb + "; " + diagnose(sb));
            assertThat(bomb).hasMessageContaining("pids.max (512");
            assertThat(((ResourceLimitException) bomb).failure().resource()).isEqualTo("processes");
            assertThat(run(sb, "echo alive after the fork bomb", Duration.ofSeconds(60)))
                    .isEqualTo("alive after the fork bomb\n");

            // a string that doubles until the kernel says no
            Throwable hog = catchThrowable(() -> run(sb, "x=a; while :; do x=$x$x; done", Duration.ofSeconds(300)));
            if (!(hog instanceof ResourceLimitException)) fail("memory hog: " + hog + "; " + diagnose(sb));
            assertThat(hog).hasMessageContaining("memory.max").hasMessageContaining("OOM killer");
            assertThat(((ResourceLimitException) hog).failure().resource()).isEqualTo("memory");
            assertThat(run(sb, "echo alive after the memory hog", Duration.ofSeconds(60)))
                    .isEqualTo("alive after the memory hog\n");
        }
    }
}
