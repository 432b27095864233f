package dev.harvest.lease;

import java.time.Duration;

/** No key or permit became free within the allowed wait. */
public final class AdmissionTimeoutException extends RuntimeException {

    public AdmissionTimeoutException(String what, Duration waited) {
        super("no " + what + " free within " + waited.toMillis() + "ms");
    }
}
