package org.rat4j.eval.loglik;

import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.metrics.PyText;

import java.util.Arrays;

/**
 * lm-eval's split of a (context, continuation) pair into token ids ({@code lm_eval/api/model.py}
 * {@code _encode_pair}): trailing whitespace of the context moves to the front of the continuation, then the
 * continuation's tokens are {@code enc(context + continuation)[len(enc(context)):]}, so the continuation is tokenized
 * as it is inside the whole text. An empty context becomes the single BOS token (lm-eval's {@code prefix_token_id}).
 *
 * @param context      the context ids (BOS first when {@code bos})
 * @param continuation the continuation ids, at least one
 */
public record ContextContinuation(int[] context, int[] continuation) {

    public static ContextContinuation encode(Tokenizer tokenizer, String context, String continuation, boolean bos) {
        if (context.isEmpty()) {
            return new ContextContinuation(new int[]{tokenizer.bosId()}, tokenizer.encode(continuation, false));
        }
        String ctx = context;
        String cont = continuation;
        int kept = PyText.rstrip(ctx).length();
        if (kept < ctx.length()) {
            cont = ctx.substring(kept) + cont;
            ctx = ctx.substring(0, kept);
        }
        int[] whole = tokenizer.encode(ctx + cont, bos);
        int[] ctxIds = tokenizer.encode(ctx, bos);
        int[] contIds = Arrays.copyOfRange(whole, Math.min(ctxIds.length, whole.length), whole.length);
        // A whitespace-only context is empty once its spaces moved: the continuation then follows BOS, as above.
        return new ContextContinuation(ctxIds.length == 0 ? new int[]{tokenizer.bosId()} : ctxIds, contIds);
    }
}
