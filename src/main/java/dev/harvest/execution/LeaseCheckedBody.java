package dev.harvest.execution;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;
import java.util.function.BooleanSupplier;

/**
 * A request body that asks whether the attempt's lease is still held when the HTTP client pulls it, right before
 * the body is written. A process stopped between admission and the write (a long GC pause, SIGSTOP, a frozen VM)
 * can wake up long after its lease expired and its key or permit went to another holder; the body is then refused,
 * the request never completes, and the provider never processes it.
 */
final class LeaseCheckedBody implements HttpRequest.BodyPublisher {

    /** The request was not sent: the lease had been lost by the time its body was to be written. */
    static final class LeaseLostException extends IOException {
        private static final long serialVersionUID = 1L;

        LeaseLostException() {
            super("lease lost before the request body was sent");
        }
    }

    private final HttpRequest.BodyPublisher body;
    private final BooleanSupplier leaseHeld;

    private LeaseCheckedBody(HttpRequest.BodyPublisher body, BooleanSupplier leaseHeld) {
        this.body = body;
        this.leaseHeld = leaseHeld;
    }

    static HttpRequest.BodyPublisher of(String json, BooleanSupplier leaseHeld) {
        return new LeaseCheckedBody(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8), leaseHeld);
    }

    @Override
    public long contentLength() {
        return body.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (leaseHeld.getAsBoolean()) {
            body.subscribe(subscriber);
            return;
        }
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        subscriber.onError(new LeaseLostException());
    }
}
