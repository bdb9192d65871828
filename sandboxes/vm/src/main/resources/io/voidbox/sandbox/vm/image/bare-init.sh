#!/bin/sh
# Bare-boot floor: the smallest useful init. Prints one marker with the uptime and powers off.
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "voidbox-bare: up $(/bin/busybox cut -d' ' -f1 /proc/uptime) $(/bin/busybox uname -r)"
/bin/busybox poweroff -f
