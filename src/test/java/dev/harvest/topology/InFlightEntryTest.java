package dev.harvest.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class InFlightEntryTest {

    private static void assertSameEntry(InFlightEntry actual, InFlightEntry expected) {
        assertThat(actual.key()).isEqualTo(expected.key());
        assertThat(actual.value()).isEqualTo(expected.value());
        assertThat(actual.topic()).isEqualTo(expected.topic());
        assertThat(actual.partition()).isEqualTo(expected.partition());
        assertThat(actual.offset()).isEqualTo(expected.offset());
        assertThat(actual.timestamp()).isEqualTo(expected.timestamp());
        assertThat(actual.attempt()).isEqualTo(expected.attempt());
        assertThat(actual.firstSeenMs()).isEqualTo(expected.firstSeenMs());
    }

    @Test
    void shouldRoundTripEveryFieldAndHeaderWhenEncodedAndDecoded() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("harvest.attempt", "3".getBytes(StandardCharsets.UTF_8));
        headers.add("binary", new byte[] {0, (byte) 0xff, 7});
        headers.add("dup", "first".getBytes(StandardCharsets.UTF_8));
        headers.add("dup", "second".getBytes(StandardCharsets.UTF_8));
        headers.add("ünïcode-name", "東京".getBytes(StandardCharsets.UTF_8));
        headers.add("empty", new byte[0]);
        headers.add("null-value", null);
        InFlightEntry entry = new InFlightEntry("k".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, (byte) 0x80},
                headers, "harvest.tasks.high", 11, Long.MAX_VALUE - 1, 1_700_000_000_123L, 3, 1_700_000_000_000L);

        InFlightEntry back = InFlightEntry.decode(entry.encode());

        assertSameEntry(back, entry);
        Header[] got = back.headers().toArray();
        Header[] want = headers.toArray();
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i].key()).isEqualTo(want[i].key());
            assertThat(got[i].value()).isEqualTo(want[i].value());
        }
    }

    @Test
    void shouldWriteTheSameBytesAsEntriesStoredBeforeWhetherNamesAreAsciiOrNot() throws Exception {
        for (String headerName : new String[] {"harvest.attempt", "ünïcode-name", "nul\0inside"}) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(headerName, "3".getBytes(StandardCharsets.UTF_8));
            headers.add("null-value", null);
            InFlightEntry entry = new InFlightEntry("k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8),
                    headers, "harvest.tasks.high", 11, 42L, 1_700_000_000_123L, 3, 1_700_000_000_000L);

            assertThat(entry.encode()).as(headerName).isEqualTo(versionOne(entry));
        }
    }

    /** Version 1 of the store format as written with DataOutputStream, the way entries already stored were. */
    private static byte[] versionOne(InFlightEntry e) throws java.io.IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeInt(e.key().length);
            out.write(e.key());
            out.writeInt(e.value().length);
            out.write(e.value());
            out.writeUTF(e.topic());
            out.writeInt(e.partition());
            out.writeLong(e.offset());
            out.writeLong(e.timestamp());
            out.writeInt(e.attempt());
            out.writeLong(e.firstSeenMs());
            Header[] all = e.headers().toArray();
            out.writeInt(all.length);
            for (Header h : all) {
                out.writeUTF(h.key());
                if (h.value() == null) {
                    out.writeInt(-1);
                } else {
                    out.writeInt(h.value().length);
                    out.write(h.value());
                }
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void shouldRoundTripNullKeyWhenRecordHadNoKey() {
        InFlightEntry entry = new InFlightEntry(null, "{}".getBytes(StandardCharsets.UTF_8), new RecordHeaders(), "t", 0,
                0L, 0L, 1, 0L);

        InFlightEntry back = InFlightEntry.decode(entry.encode());

        assertThat(back.key()).isNull();
        assertSameEntry(back, entry);
        assertThat(back.headers().toArray()).isEmpty();
    }

    @Test
    void shouldDistinguishEmptyFromNullWhenKeyOrValueIsEmpty() {
        InFlightEntry entry = new InFlightEntry(new byte[0], null, null, "t", 0, -1L, -1L, 1, 0L);

        InFlightEntry back = InFlightEntry.decode(entry.encode());

        assertThat(back.key()).isEmpty();
        assertThat(back.value()).isNull();
        assertThat(back.offset()).isEqualTo(-1L);
        assertThat(back.headers().toArray()).isEmpty();
    }

    @Test
    void shouldRoundTripLargeValueWhenTaskIsBig() {
        byte[] big = new byte[1_048_576];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        InFlightEntry entry = new InFlightEntry("k".getBytes(StandardCharsets.UTF_8), big, null, "t", 2, 9L, 8L, 4, 7L);

        assertThat(InFlightEntry.decode(entry.encode()).value()).isEqualTo(big);
    }

    @Test
    void shouldGiveIndependentCopyWhenHeadersAreCopied() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("a", "1".getBytes(StandardCharsets.UTF_8));
        InFlightEntry entry = new InFlightEntry(null, null, headers, "t", 0, 0L, 0L, 1, 0L);

        Headers copy = entry.copyHeaders();
        copy.remove("a");
        copy.add("b", "2".getBytes(StandardCharsets.UTF_8));

        assertThat(entry.headers().toArray()).extracting(Header::key).containsExactly("a");
        assertThat(new InFlightEntry(null, null, null, "t", 0, 0L, 0L, 1, 0L).copyHeaders().toArray()).isEmpty();
    }

    @Test
    void shouldRefuseWhenVersionIsUnknown() {
        byte[] data = new InFlightEntry(null, null, null, "t", 0, 0L, 0L, 1, 0L).encode();
        data[0] = 99;

        assertThatThrownBy(() -> InFlightEntry.decode(data))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("99");
    }

    @Test
    void shouldFailLoudlyWhenDataIsTruncated() {
        byte[] data = new InFlightEntry("key".getBytes(StandardCharsets.UTF_8), "value".getBytes(StandardCharsets.UTF_8),
                null, "topic", 0, 0L, 0L, 1, 0L).encode();
        byte[] cut = java.util.Arrays.copyOf(data, data.length - 3);

        assertThatThrownBy(() -> InFlightEntry.decode(cut)).isInstanceOf(RuntimeException.class);
    }
}
