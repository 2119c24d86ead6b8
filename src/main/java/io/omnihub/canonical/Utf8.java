package io.omnihub.canonical;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** The hub takes text in as strict UTF-8: a body that is not is refused as INVALID, never decoded with replacement characters. */
public final class Utf8 {

    private Utf8() {
    }

    /** The body as text; INVALID when it is not valid UTF-8. */
    public static String decode(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new RejectedMessageException(ErrorCategory.INVALID, "body is not valid UTF-8");
        }
    }
}
