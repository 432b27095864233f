package dev.harvest.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record held in a state store while its task runs (lane in-flight store) or waits (retry gate): the
 * original key, value and headers byte for byte, where it came from, and which attempt it is.
 */
public record InFlightEntry(byte[] key, byte[] value, Headers headers, String topic, int partition, long offset,
                            long timestamp, int attempt, long firstSeenMs) {

    private static final byte VERSION = 1;

    public byte[] encode() {
        Header[] all = headers == null ? new Header[0] : headers.toArray();
        String topicText = topic == null ? "" : topic;
        // Every entry is written once on the stream thread: sized up front when its strings are plain ASCII (then
        // the bytes are what DataOutputStream.writeUTF writes), else through the stream.
        int size = 1 + sizeOf(key) + sizeOf(value) + 2 + topicText.length() + 4 + 8 + 8 + 4 + 8 + 4;
        boolean plain = isPlainAscii(topicText);
        for (Header h : all) {
            size += 2 + h.key().length() + sizeOf(h.value());
            plain &= isPlainAscii(h.key());
        }
        if (!plain) {
            return encodeThroughStream(all, topicText);
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION);
        putBytes(out, key);
        putBytes(out, value);
        putAscii(out, topicText);
        out.putInt(partition).putLong(offset).putLong(timestamp).putInt(attempt).putLong(firstSeenMs);
        out.putInt(all.length);
        for (Header h : all) {
            putAscii(out, h.key());
            putBytes(out, h.value());
        }
        return out.array();
    }

    private byte[] encodeThroughStream(Header[] all, String topicText) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeBytes(out, key);
            writeBytes(out, value);
            out.writeUTF(topicText);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(timestamp);
            out.writeInt(attempt);
            out.writeLong(firstSeenMs);
            out.writeInt(all.length);
            for (Header h : all) {
                out.writeUTF(h.key());
                writeBytes(out, h.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Characters 1–127 only, short enough for writeUTF: written one byte each, as writeUTF would. */
    private static boolean isPlainAscii(String s) {
        if (s.length() > 65_535) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0 || c > 127) {
                return false;
            }
        }
        return true;
    }

    private static int sizeOf(byte[] b) {
        return 4 + (b == null ? 0 : b.length);
    }

    private static void putBytes(ByteBuffer out, byte[] b) {
        if (b == null) {
            out.putInt(-1);
        } else {
            out.putInt(b.length).put(b);
        }
    }

    private static void putAscii(ByteBuffer out, String s) {
        out.putShort((short) s.length());
        for (int i = 0; i < s.length(); i++) {
            out.put((byte) s.charAt(i));
        }
    }

    public static InFlightEntry decode(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalStateException("unknown in-flight entry version " + version);
            }
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            String topic = in.readUTF();
            int partition = in.readInt();
            long offset = in.readLong();
            long timestamp = in.readLong();
            int attempt = in.readInt();
            long firstSeen = in.readLong();
            int count = in.readInt();
            RecordHeaders headers = new RecordHeaders();
            for (int i = 0; i < count; i++) {
                headers.add(in.readUTF(), readBytes(in));
            }
            return new InFlightEntry(key, value, headers, topic, partition, offset, timestamp, attempt, firstSeen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh copy of the headers, safe to change. */
    public Headers copyHeaders() {
        return copyHeadersExcept();
    }

    /**
     * A fresh copy of the headers without any header named in {@code dropped}, in one pass: for a caller that
     * appends new values of those names (as {@link HarvestHeaders#set} would, without a removal per name).
     */
    public Headers copyHeadersExcept(String... dropped) {
        RecordHeaders copy = new RecordHeaders();
        if (headers != null) {
            for (Header h : headers) {
                if (!isAny(h.key(), dropped)) {
                    copy.add(h.key(), h.value());
                }
            }
        }
        return copy;
    }

    private static boolean isAny(String key, String[] names) {
        for (String name : names) {
            if (name.equals(key)) {
                return true;
            }
        }
        return false;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
