package io.voidbox.protocol;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/**
 * A character device opened read/write, e.g. the guest's virtio-serial port
 * ({@code /dev/vport0p1}). One file descriptor serves both directions because a virtio port can
 * only be opened once at a time; plain (unlocked) file streams let one thread read while another
 * writes. Note: on a virtio port, end-of-stream means "no host connected"; and closing does not
 * unblock a thread blocked in {@code read}.
 */
public final class DeviceTransport extends StreamTransport {
    private DeviceTransport(RandomAccessFile file, String description) throws IOException {
        super(new FileInputStream(file.getFD()), new FileOutputStream(file.getFD()), description, file);
    }

    public static DeviceTransport open(Path device) throws IOException {
        try {
            return new DeviceTransport(new RandomAccessFile(device.toFile(), "rw"), "device:" + device);
        } catch (IOException e) {
            throw new IOException("cannot open device " + device + ": " + e.getMessage(), e);
        }
    }
}
