package io.voidbox.guest;

/**
 * The fields we need from {@code /proc/PID/stat}. {@code comm} may contain spaces and
 * parentheses, so fields are counted from the last {@code ')'}.
 */
record ProcStat(int pid, String comm, char state, int ppid, int pgrp, long utime, long stime) {

    static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) throw new IllegalArgumentException("no (comm) in stat line");
        int pid = Integer.parseInt(line.substring(0, open).trim());
        String comm = line.substring(open + 1, close);
        String[] f = line.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state); utime and stime are fields 14 and 15.
        if (f.length < 13) throw new IllegalArgumentException("stat line has " + (f.length + 2) + " fields, need 15");
        return new ProcStat(
                pid,
                comm,
                f[0].charAt(0),
                Integer.parseInt(f[1]),
                Integer.parseInt(f[2]),
                Long.parseLong(f[11]),
                Long.parseLong(f[12]));
    }
}
