package io.voidbox.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(20)
class DeviceTransportTest {
    @TempDir
    Path dir;

    @Test
    void readsAndWritesThroughOneReadWriteDescriptor() throws Exception {
        // A FIFO opened read/write stands in for a character device: what we write comes back.
        Path fifo = dir.resolve("port");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
                .isZero();
        var codec = new FrameCodec();
        try (var t = DeviceTransport.open(fifo)) {
            assertThat(t.description()).isEqualTo("device:" + fifo);
            codec.write(new Message.Ok(5), t.output());
            assertThat(codec.read(t.input())).isEqualTo(new Message.Ok(5));
        }
    }

    @Test
    void missingDeviceNamesThePath() {
        assertThatThrownBy(() -> DeviceTransport.open(dir.resolve("nope/vport0p1")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot open device " + dir.resolve("nope/vport0p1"));
    }
}
