package io.voidbox.sandbox.namespace.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The seccomp filter of a namespace box, as the classic BPF program bubblewrap loads with {@code
 * --seccomp FD} (an array of {@code struct sock_filter}). Written here rather than with a tool
 * because Debian packages no command-line seccomp compiler (libseccomp's bindings would need
 * Python or C at run time). A deny list in the spirit of Flatpak's and Docker's defaults: what an
 * agent never needs and what attacks the kernel or escapes namespaces. Denied calls fail with
 * {@code EPERM}; {@code clone3} fails with {@code ENOSYS} (its flags cannot be inspected, and libc
 * falls back to {@code clone}, whose namespace flags are checked); other architectures and the
 * x32 ABI are refused, so the list cannot be bypassed through another syscall table. x86_64 only.
 */
public final class SeccompFilter {
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    private static final int X32_SYSCALL_BIT = 0x40000000;
    private static final int RET_ALLOW = 0x7FFF0000;
    private static final int RET_ERRNO = 0x00050000;
    private static final int RET_KILL_PROCESS = 0x80000000;
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    private static final int LD_W_ABS = 0x20;
    private static final int JEQ_K = 0x15;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;

    private static final int NR_CLONE = 56;
    private static final int NR_CLONE3 = 435;
    private static final int NR_IOCTL = 16;
    private static final int TIOCSTI = 0x5412;
    /** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
    private static final int CLONE_NEW_NAMESPACES = 0x7E020000;

    /** x86_64 numbers of the denied system calls. */
    static final int[] DENIED = {
        101, // ptrace
        103, // syslog
        134, // uselib
        153, // vhangup
        155, // pivot_root
        161, // chroot
        163, // acct
        165, // mount
        166, // umount2
        167, // swapon
        168, // swapoff
        169, // reboot
        172, // iopl
        173, // ioperm
        175, // init_module
        176, // delete_module
        179, // quotactl
        212, // lookup_dcookie
        246, // kexec_load
        248, // add_key
        249, // request_key
        250, // keyctl
        272, // unshare
        298, // perf_event_open
        303, // name_to_handle_at
        304, // open_by_handle_at
        308, // setns
        310, // process_vm_readv
        311, // process_vm_writev
        313, // finit_module
        320, // kexec_file_load
        321, // bpf
        323, // userfaultfd
        428, // open_tree
        429, // move_mount
        430, // fsopen
        431, // fsconfig
        432, // fsmount
        433, // fspick
        442, // mount_setattr
    };

    private SeccompFilter() {}

    private record Insn(int code, String jt, String jf, int k) {}

    /** The program's bytes (little-endian {@code struct sock_filter}s). */
    public static byte[] program() {
        List<Insn> p = new ArrayList<>();
        p.add(new Insn(LD_W_ABS, null, null, 4)); // seccomp_data.arch
        p.add(new Insn(JEQ_K, null, "kill", AUDIT_ARCH_X86_64));
        p.add(new Insn(LD_W_ABS, null, null, 0)); // seccomp_data.nr
        p.add(new Insn(JGE_K, "deny", null, X32_SYSCALL_BIT));
        for (int nr : DENIED) p.add(new Insn(JEQ_K, "deny", null, nr));
        p.add(new Insn(JEQ_K, "enosys", null, NR_CLONE3));
        p.add(new Insn(JEQ_K, null, "ioctl", NR_CLONE));
        p.add(new Insn(LD_W_ABS, null, null, 16)); // args[0], low half: clone flags
        p.add(new Insn(JSET_K, "deny", "allow", CLONE_NEW_NAMESPACES));
        Map<String, Integer> labels = new HashMap<>();
        labels.put("ioctl", p.size());
        p.add(new Insn(JEQ_K, null, "allow", NR_IOCTL));
        p.add(new Insn(LD_W_ABS, null, null, 24)); // args[1], low half: request
        p.add(new Insn(JEQ_K, "deny", "allow", TIOCSTI));
        labels.put("allow", p.size());
        p.add(new Insn(RET_K, null, null, RET_ALLOW));
        labels.put("deny", p.size());
        p.add(new Insn(RET_K, null, null, RET_ERRNO | EPERM));
        labels.put("enosys", p.size());
        p.add(new Insn(RET_K, null, null, RET_ERRNO | ENOSYS));
        labels.put("kill", p.size());
        p.add(new Insn(RET_K, null, null, RET_KILL_PROCESS));

        ByteBuffer out = ByteBuffer.allocate(p.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < p.size(); i++) {
            Insn in = p.get(i);
            out.putShort((short) in.code());
            out.put(offset(i, in.jt(), labels));
            out.put(offset(i, in.jf(), labels));
            out.putInt(in.k());
        }
        return out.array();
    }

    private static byte offset(int at, String label, Map<String, Integer> labels) {
        if (label == null) return 0;
        int off = labels.get(label) - at - 1;
        if (off < 0 || off > 255) throw new IllegalStateException("seccomp jump out of range: " + off);
        return (byte) off;
    }
}
