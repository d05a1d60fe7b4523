package dev.portico.files;

import static dev.portico.files.ConditionalRequest.Decision.NOT_MODIFIED;
import static dev.portico.files.ConditionalRequest.Decision.PRECONDITION_FAILED;
import static dev.portico.files.ConditionalRequest.Decision.PROCEED;
import static dev.portico.files.ConditionalRequest.IfModifiedSince.BEFORE;
import static dev.portico.files.ConditionalRequest.IfModifiedSince.EXACT;
import static dev.portico.files.ConditionalRequest.IfModifiedSince.OFF;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portico.files.ConditionalRequest.Decision;
import dev.portico.files.ConditionalRequest.IfModifiedSince;
import org.junit.jupiter.api.Test;

class ConditionalRequestTest {

    private static final long LM = 784111777L;
    private static final String LM_DATE = "Sun, 06 Nov 1994 08:49:37 GMT";
    private static final String LATER = "Sun, 06 Nov 1994 08:49:38 GMT";
    private static final String EARLIER = "Sun, 06 Nov 1994 08:49:36 GMT";
    private static final String TAG = "\"2ebc3c01-a\"";

    private static Decision eval(String ims, String iums, String inm, String im, IfModifiedSince mode) {
        return ConditionalRequest.evaluate(ims, iums, inm, im, LM, TAG, mode);
    }

    @Test
    void noConditions() {
        assertThat(eval(null, null, null, null, EXACT)).isEqualTo(PROCEED);
    }

    @Test
    void ifModifiedSinceExact() {
        assertThat(eval(LM_DATE, null, null, null, EXACT)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(LATER, null, null, null, EXACT)).isEqualTo(PROCEED);
        assertThat(eval(EARLIER, null, null, null, EXACT)).isEqualTo(PROCEED);
        assertThat(eval("not a date", null, null, null, EXACT)).isEqualTo(PROCEED);
    }

    @Test
    void ifModifiedSinceBefore() {
        assertThat(eval(LM_DATE, null, null, null, BEFORE)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(LATER, null, null, null, BEFORE)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(EARLIER, null, null, null, BEFORE)).isEqualTo(PROCEED);
        assertThat(eval("not a date", null, null, null, BEFORE)).isEqualTo(PROCEED);
    }

    @Test
    void ifModifiedSinceOff() {
        assertThat(eval(LM_DATE, null, null, null, OFF)).isEqualTo(PROCEED);
    }

    @Test
    void ifNoneMatch() {
        assertThat(eval(null, null, TAG, null, EXACT)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "*", null, EXACT)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "W/" + TAG, null, EXACT)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(null, null, "\"other\"", null, EXACT)).isEqualTo(PROCEED);
    }

    @Test
    void bothValidatorsMustPassFor304() {
        assertThat(eval(LM_DATE, null, TAG, null, EXACT)).isEqualTo(NOT_MODIFIED);
        assertThat(eval(LM_DATE, null, "\"other\"", null, EXACT)).isEqualTo(PROCEED);
        assertThat(eval(EARLIER, null, TAG, null, EXACT)).isEqualTo(PROCEED);
        // With if_modified_since off the date header always says "modified".
        assertThat(eval(LM_DATE, null, TAG, null, OFF)).isEqualTo(PROCEED);
    }

    @Test
    void ifUnmodifiedSince() {
        assertThat(eval(null, LM_DATE, null, null, EXACT)).isEqualTo(PROCEED);
        assertThat(eval(null, LATER, null, null, EXACT)).isEqualTo(PROCEED);
        assertThat(eval(null, EARLIER, null, null, EXACT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(eval(null, "not a date", null, null, EXACT)).isEqualTo(PRECONDITION_FAILED);
    }

    @Test
    void ifMatchIsStrong() {
        assertThat(eval(null, null, null, TAG, EXACT)).isEqualTo(PROCEED);
        assertThat(eval(null, null, null, "*", EXACT)).isEqualTo(PROCEED);
        assertThat(eval(null, null, null, "\"other\"", EXACT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(eval(null, null, null, "W/" + TAG, EXACT)).isEqualTo(PRECONDITION_FAILED);
    }

    @Test
    void ifMatchWithoutEtag() {
        assertThat(ConditionalRequest.evaluate(null, null, null, "*", LM, null, EXACT)).isEqualTo(PROCEED);
        assertThat(ConditionalRequest.evaluate(null, null, null, TAG, LM, null, EXACT))
            .isEqualTo(PRECONDITION_FAILED);
        assertThat(ConditionalRequest.evaluate(null, null, TAG, null, LM, null, EXACT)).isEqualTo(PROCEED);
    }

    @Test
    void preconditionFailureWinsOverNotModified() {
        assertThat(eval(LM_DATE, EARLIER, TAG, null, EXACT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(eval(LM_DATE, null, TAG, "\"other\"", EXACT)).isEqualTo(PRECONDITION_FAILED);
    }

    @Test
    void unknownModificationTimeSkipsEverything() {
        assertThat(ConditionalRequest.evaluate(LM_DATE, "not a date", TAG, "\"other\"", -1, TAG, EXACT))
            .isEqualTo(PROCEED);
    }
}
