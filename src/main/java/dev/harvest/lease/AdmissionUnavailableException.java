package dev.harvest.lease;

/** The admission store cannot be reached (e.g. Redis is down); the task should wait and retry, not fail. */
public final class AdmissionUnavailableException extends RuntimeException {

    public AdmissionUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
