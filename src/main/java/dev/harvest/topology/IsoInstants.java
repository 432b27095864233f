package dev.harvest.topology;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * ISO-8601 instants in UTC as {@link Instant#toString()} writes them and {@link Instant#parse} reads them, without
 * a {@code DateTimeFormatter} for the usual form ({@code 2026-11-23T18:30:00.123Z}, years 0000–9999). Every result
 * record carries several, so this is on the hot path. Anything else goes to the JDK, so text and errors are
 * exactly the JDK's.
 */
public final class IsoInstants {

    private static final long SECONDS_PER_DAY = 86_400;
    /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in epoch seconds: the range the fast path writes. */
    private static final long MIN_SECOND = -62_167_219_200L;
    private static final long MAX_SECOND = 253_402_300_800L;

    private IsoInstants() {
    }

    /** The same text as {@code Instant.ofEpochMilli(epochMillis).toString()}. */
    public static String format(long epochMillis) {
        return format(Math.floorDiv(epochMillis, 1000L), (int) Math.floorMod(epochMillis, 1000L) * 1_000_000);
    }

    /** The same text as {@code instant.toString()}. */
    public static String format(Instant instant) {
        return format(instant.getEpochSecond(), instant.getNano());
    }

    private static String format(long second, int nano) {
        if (second < MIN_SECOND || second >= MAX_SECOND) {
            return Instant.ofEpochSecond(second, nano).toString();
        }
        long day = Math.floorDiv(second, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(second, SECONDS_PER_DAY);
        LocalDate date = LocalDate.ofEpochDay(day);
        byte[] b = new byte[30];
        int n = digits(b, 0, date.getYear(), 4);
        b[n++] = '-';
        n = digits(b, n, date.getMonthValue(), 2);
        b[n++] = '-';
        n = digits(b, n, date.getDayOfMonth(), 2);
        b[n++] = 'T';
        n = digits(b, n, secondOfDay / 3600, 2);
        b[n++] = ':';
        n = digits(b, n, secondOfDay / 60 % 60, 2);
        b[n++] = ':';
        n = digits(b, n, secondOfDay % 60, 2);
        if (nano != 0) {
            b[n++] = '.';
            if (nano % 1_000_000 == 0) {
                n = digits(b, n, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                n = digits(b, n, nano / 1000, 6);
            } else {
                n = digits(b, n, nano, 9);
            }
        }
        b[n++] = 'Z';
        return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static int digits(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    /**
     * Reads an instant as {@link Instant#parse} does, and throws what it throws
     * ({@link java.time.format.DateTimeParseException}) for text it refuses.
     */
    public static Instant parse(CharSequence text) {
        Instant fast = parseUsual(text);
        return fast != null ? fast : Instant.parse(text);
    }

    /** {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, or null for any other text (left to the JDK). */
    private static Instant parseUsual(CharSequence s) {
        int len = s.length();
        if (len < 20 || len > 30 || s.charAt(len - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = number(s, 0, 4);
        int month = number(s, 5, 2);
        int dayOfMonth = number(s, 8, 2);
        int hour = number(s, 11, 2);
        int minute = number(s, 14, 2);
        int sec = number(s, 17, 2);
        if (year < 0 || month < 0 || dayOfMonth < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || sec < 0 || sec > 59) {
            return null;
        }
        int nano = 0;
        if (len > 20) {
            int fractionDigits = len - 21;
            if (s.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            int fraction = number(s, 20, fractionDigits);
            if (fraction < 0) {
                return null;
            }
            nano = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nano *= 10;
            }
        }
        long day;
        try {
            day = LocalDate.of(year, month, dayOfMonth).toEpochDay();
        } catch (DateTimeException invalidDate) {
            return null;
        }
        return Instant.ofEpochSecond(day * SECONDS_PER_DAY + hour * 3600L + minute * 60L + sec, nano);
    }

    /** The decimal number of {@code width} ASCII digits at {@code at}, or -1 if any is not a digit. */
    private static int number(CharSequence s, int at, int width) {
        int v = 0;
        for (int i = at; i < at + width; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
