package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.guest.NetDenials.Denial;
import org.junit.jupiter.api.Test;

/** The kernel log lines of the guest's refused-connection rule, as nf_log prints them. */
class NetDenialsTest {
    @Test
    void aResetForAConnectionNothingListensForNamesItsDestination() {
        String r = "4,812,20911233,-;vbx-denied IN= OUT=lo SRC=10.0.2.2 DST=10.0.2.2 LEN=40 TOS=0x00 PREC=0x00 "
                + "TTL=64 ID=0 DF PROTO=TCP SPT=41234 DPT=55012 WINDOW=0 RES=0x00 ACK RST URGP=0 ";
        assertThat(NetDenials.parse(r)).contains(new Denial("10.0.2.2", 41234, "tcp"));
    }

    @Test
    void aPortUnreachableNamesTheDatagramsDestination() {
        String r = "4,813,20911299,-;vbx-denied IN= OUT=lo SRC=1.1.1.1 DST=1.1.1.1 LEN=68 TOS=0x00 PREC=0xC0 TTL=64 "
                + "ID=1 PROTO=ICMP TYPE=3 CODE=3 [SRC=1.1.1.1 DST=1.1.1.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=2 DF "
                + "PROTO=UDP SPT=40000 DPT=53 LEN=20 ] ";
        assertThat(NetDenials.parse(r)).contains(new Denial("1.1.1.1", 53, "udp"));
    }

    @Test
    void userSpaceRecordsAndOtherKernelLinesAreIgnored() {
        // facility user (prio >= 8): what root in the box could write to /dev/kmsg
        assertThat(NetDenials.parse("12,814,1,-;vbx-denied IN= OUT=lo SRC=9.9.9.9 DST=9.9.9.9 PROTO=TCP SPT=1 DPT=2"))
                .isEmpty();
        assertThat(NetDenials.parse("6,815,1,-;virtio_net virtio0: link up")).isEmpty();
        assertThat(NetDenials.parse("garbage")).isEmpty();
    }
}
