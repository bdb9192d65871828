package io.voidbox.agent.codex;

import io.voidbox.spi.support.NpmInstaller.InstallException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Test helper: the real Codex CLI, installed once per JVM with {@link CodexInstaller} into its
 * default directory (shared with later runs and with {@code scripts/install-codex.sh}). Tests that
 * need it call {@link #binary()}, which skips them with the reason when npm or the platform is
 * missing, and fails them when the install itself breaks.
 */
public final class CodexCli {
    private static final Object LOCK = new Object();
    private static Path binary;
    private static String unavailable;

    private CodexCli() {}

    public static Path binary() {
        synchronized (LOCK) {
            if (binary == null && unavailable == null) {
                try {
                    binary = CodexInstaller.defaults().ensureInstalled();
                } catch (InstallException e) {
                    if (e.reason() == InstallException.Reason.INSTALL_FAILED) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                    unavailable = e.getMessage();
                } catch (IOException e) {
                    throw new IllegalStateException("installing Codex failed: " + e.getMessage(), e);
                }
            }
            Assumptions.assumeTrue(unavailable == null, () -> "real Codex CLI unavailable: " + unavailable);
            return binary;
        }
    }
}
