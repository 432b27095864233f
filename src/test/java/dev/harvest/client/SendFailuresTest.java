package dev.harvest.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SendFailuresTest {

    @Test
    void shouldCountAcknowledgedSendsAndReportFailuresOnceAtTheNextCheck() {
        SendFailures sends = new SendFailures();
        sends.record(null);
        sends.record(new IllegalStateException("outer", new RuntimeException("broker said no")));
        sends.record(null);
        sends.record(new RuntimeException("second"));

        assertThat(sends.acknowledged()).isEqualTo(2);
        assertThatThrownBy(sends::check).isInstanceOf(IllegalStateException.class)
                .hasMessage("2 task record(s) were not written to Kafka: broker said no");
        sends.check(); // cleared
        assertThat(sends.acknowledged()).as("acknowledgements are not cleared").isEqualTo(2);
    }
}
