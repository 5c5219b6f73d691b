package org.rat4j.eval.loglik;

import org.junit.jupiter.api.Test;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.EvalTestSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** lm-eval's context/continuation split with the LLaMA-2 tokenizer ("Hello world!" = 1, 15043, 3186, 29991). */
class ContextContinuationTest {
    @Test
    void continuationIsTheTailOfTheWholeEncoding() {
        Tokenizer t = EvalTestSupport.llama();
        ContextContinuation cc = ContextContinuation.encode(t, "Hello", " world!", true);
        assertArrayEquals(new int[]{1, 15043}, cc.context());
        assertArrayEquals(new int[]{3186, 29991}, cc.continuation());
    }

    @Test
    void trailingSpacesOfTheContextMoveToTheContinuation() {
        Tokenizer t = EvalTestSupport.llama();
        // "Hello " alone ends in the piece "▁" (29871); moved, the continuation is " world!" = ▁world, !
        ContextContinuation cc = ContextContinuation.encode(t, "Hello ", "world!", true);
        assertArrayEquals(new int[]{1, 15043}, cc.context());
        assertArrayEquals(new int[]{3186, 29991}, cc.continuation());
    }

    @Test
    void withoutBosAndWithAnEmptyContext() {
        Tokenizer t = EvalTestSupport.llama();
        ContextContinuation noBos = ContextContinuation.encode(t, "Hello", " world!", false);
        assertArrayEquals(new int[]{15043}, noBos.context());
        assertArrayEquals(new int[]{3186, 29991}, noBos.continuation());
        // lm-eval: an empty context is the prefix token (BOS) and the continuation is encoded alone
        ContextContinuation empty = ContextContinuation.encode(t, "", "Hello", false);
        assertArrayEquals(new int[]{1}, empty.context());
        assertArrayEquals(new int[]{15043}, empty.continuation());
    }
}
