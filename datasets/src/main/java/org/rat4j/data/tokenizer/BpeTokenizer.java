package org.rat4j.data.tokenizer;

import org.rat4j.config.ConfigException;
import org.rat4j.data.IntList;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece-style BPE with byte fallback, the algorithm of the LLaMA-2 tokenizer:
 * <ol>
 *   <li>put one space before the text (the "dummy prefix") and write every space as {@code ▁} (U+2581);</li>
 *   <li>map each code point to its single-character piece; a code point without one becomes the pieces
 *       {@code <0xNN>} of its UTF-8 bytes (byte fallback);</li>
 *   <li>repeatedly merge the adjacent pair with the best (lowest) merge rank, the leftmost one among equal ranks,
 *       until no adjacent pair has a merge;</li>
 *   <li>put BOS first when asked.</li>
 * </ol>
 * Speed: step 3 runs on a linked list with a binary heap of candidate pairs, so a document of n code points costs
 * O(n log n), never the O(n²) of rescanning for the best pair. Heap entries are not removed when a merge makes them
 * stale; a popped entry is used only if its pair still sits at that position and still has that rank (ranks are
 * unique per pair, so this is exact). A piece that takes part in no merge (the byte pieces, so every newline and
 * tab) can never change, so the text is cut at such pieces and each run is merged on its own: that gives the same
 * ids as merging the whole document and keeps the arrays small and cache-resident.
 * <p>Thread-safe: the scratch arrays are per thread.
 */
public final class BpeTokenizer implements Tokenizer {
    private static final char SPACE_MARK = '\u2581';
    private static final byte[] UNK_TEXT = " \u2047 ".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_TEXT = new byte[0];
    /** The one-byte text of each byte value, shared by the byte-fallback pieces. */
    private static final byte[][] BYTE_TEXT = new byte[256][];

    static {
        for (int b = 0; b < 256; b++) BYTE_TEXT[b] = new byte[]{(byte) b};
    }

    private final String id;
    private final String hash;
    private final Path file;
    private final String[] pieces;
    /** Each piece as UTF-8 with {@code ▁} already turned into a space; null for byte pieces. */
    private final byte[][] pieceText;
    /** The byte a {@code <0xNN>} piece stands for, or -1. */
    private final int[] byteValue;
    /** Piece id of each byte value 0..255 (byte fallback); unk where the vocabulary lacks one. */
    private final int[] byteToId = new int[256];
    /** Piece id of each BMP code point with a single-character piece, else -1. */
    private final int[] bmpToId = new int[65536];
    /** Same for code points above the BMP. */
    private final Map<Integer, Integer> astralToId = new HashMap<>();
    /** Whether the piece appears in any merge: pieces that do not cut the text into independent runs. */
    private final boolean[] mergeable;
    private final MergeTable merges;
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final boolean addPrefixSpace;

    private final ThreadLocal<Workspace> workspace = ThreadLocal.withInitial(Workspace::new);

    /**
     * @param model the vocabulary and merges
     * @param hash  SHA-256 (hex) of the file the model came from; reported by {@link #hash()}
     */
    public BpeTokenizer(TokenizerModel model, String hash) {
        this(model, hash, null);
    }

    /**
     * @param model the vocabulary and merges
     * @param hash  SHA-256 (hex) of {@code file}; reported by {@link #hash()}
     * @param file  the tokenizer file the model was read from (stored with models that use it), or null
     */
    public BpeTokenizer(TokenizerModel model, String hash, Path file) {
        this.id = model.id();
        this.hash = hash;
        this.file = file;
        List<String> list = model.pieces();
        int v = list.size();
        pieces = list.toArray(new String[0]);
        unkId = model.unkId();
        bosId = model.bosId();
        eosId = model.eosId();
        addPrefixSpace = model.addPrefixSpace();
        pieceText = new byte[v][];
        byteValue = new int[v];
        Arrays.fill(bmpToId, -1);
        Arrays.fill(byteToId, unkId);
        Map<String, Integer> byString = new HashMap<>(v * 2);
        for (int i = 0; i < v; i++) {
            String p = pieces[i];
            // A later duplicate wins, as in a map filled in id order (the LLaMA vocabulary has no duplicates).
            byString.put(p, i);
            byteValue[i] = bytePieceValue(p);
            if (byteValue[i] >= 0) {
                byteToId[byteValue[i]] = i;
            } else {
                pieceText[i] = p.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            }
        }
        // Single-code-point pieces are the starting symbols. Control pieces (<s>, </s>, <unk>) and byte pieces are
        // several characters long, so text can never produce them directly.
        for (int i = 0; i < v; i++) {
            String p = pieces[i];
            if (byteValue[i] < 0 && p.codePointCount(0, p.length()) == 1 && byString.get(p) == i) {
                int cp = p.codePointAt(0);
                if (cp < 65536) bmpToId[cp] = i;
                else astralToId.put(cp, i);
            }
        }
        int[] left = model.mergeLeft();
        int[] right = model.mergeRight();
        int[] result = new int[left.length];
        mergeable = new boolean[v];
        for (int r = 0; r < left.length; r++) {
            Integer merged = byString.get(pieces[left[r]] + pieces[right[r]]);
            if (merged == null) {
                throw new ConfigException("tokenizer " + id + ": merge " + r + " (" + pieces[left[r]] + " + " + pieces[right[r]]
                        + ") makes a piece that is not in the vocabulary; the tokenizer file is corrupt");
            }
            result[r] = merged;
            mergeable[left[r]] = true;
            mergeable[right[r]] = true;
        }
        merges = new MergeTable(left, right, result);
    }

    private static int bytePieceValue(String p) {
        if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') return -1;
        int hi = Character.digit(p.charAt(3), 16);
        int lo = Character.digit(p.charAt(4), 16);
        if (hi < 0 || lo < 0 || Character.isLowerCase(p.charAt(3)) || Character.isLowerCase(p.charAt(4))) return -1;
        return hi * 16 + lo;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        Workspace w = workspace.get();
        int n = w.initialSymbols(text, addBos);
        int[] tok = w.tok;
        w.out.clear();
        int i = 0;
        while (i < n) {
            if (!mergeable[tok[i]]) {
                w.out.add(tok[i++]);
                continue;
            }
            int j = i + 1;
            while (j < n && mergeable[tok[j]]) j++;
            if (j - i == 1) w.out.add(tok[i]);
            else mergeRun(w, i, j);
            i = j;
        }
        return w.out.toArray();
    }

    /** Runs BPE on {@code tok[start, end)} and appends the result to {@code w.out}. */
    private void mergeRun(Workspace w, int start, int end) {
        int[] tok = w.tok;
        int[] next = w.next;
        int[] prev = w.prev;
        LongMinHeap heap = w.heap;
        heap.clear();
        for (int k = start; k < end; k++) {
            next[k] = k + 1;
            prev[k] = k - 1;
        }
        for (int k = start; k + 1 < end; k++) {
            int slot = merges.find(tok[k], tok[k + 1]);
            if (slot >= 0) heap.push(entry(merges.rankAt(slot), k));
        }
        while (!heap.isEmpty()) {
            long e = heap.pop();
            int k = (int) e;
            int rank = (int) (e >>> 32);
            int left = tok[k];
            if (left < 0) continue; // k was the right half of an earlier merge
            int r = next[k];
            if (r >= end) continue;
            int slot = merges.find(left, tok[r]);
            if (slot < 0 || merges.rankAt(slot) != rank) continue; // the pair at k changed since this entry
            tok[k] = merges.resultAt(slot);
            tok[r] = -1;
            int rn = next[r];
            next[k] = rn;
            if (rn < end) prev[rn] = k;
            int p = prev[k];
            if (p >= start) {
                int s = merges.find(tok[p], tok[k]);
                if (s >= 0) heap.push(entry(merges.rankAt(s), p));
            }
            if (rn < end) {
                int s = merges.find(tok[k], tok[rn]);
                if (s >= 0) heap.push(entry(merges.rankAt(s), k));
            }
        }
        for (int k = start; k < end; k = next[k]) w.out.add(tok[k]);
    }

    /** Heap order: rank first, then position, so equal ranks merge left to right. */
    private static long entry(int rank, int pos) {
        return ((long) rank << 32) | pos;
    }

    @Override
    public String decode(int[] ids) {
        ByteBuilder bytes = new ByteBuilder(ids.length * 4);
        for (int t : ids) bytes.add(textOf(t));
        String s = new String(bytes.buf, 0, bytes.size, StandardCharsets.UTF_8);
        // The dummy prefix is removed from the text, not from the first token: "▁▁" may hold it and a real space.
        if (addPrefixSpace && !s.isEmpty() && s.charAt(0) == ' ') s = s.substring(1);
        return s;
    }

    /** The bytes of one id in decoded text (shared arrays: never modified). */
    private byte[] textOf(int t) {
        if (t < 0 || t >= pieces.length) {
            throw new ConfigException("token id " + t + " is outside the vocabulary [0, " + pieces.length + ") of tokenizer " + id);
        }
        if (t == bosId || t == eosId) return NO_TEXT;
        if (t == unkId) return UNK_TEXT;
        return byteValue[t] >= 0 ? BYTE_TEXT[byteValue[t]] : pieceText[t];
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        return textOf(tokenId).clone();
    }

    @Override
    public boolean stripsLeadingSpace() {
        return addPrefixSpace;
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    public String piece(int tokenId) {
        if (tokenId < 0 || tokenId >= pieces.length) {
            throw new ConfigException("token id " + tokenId + " is outside the vocabulary [0, " + pieces.length + ")");
        }
        return pieces[tokenId];
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String hash() {
        return hash;
    }

    @Override
    public String toString() {
        return "BpeTokenizer[" + id + ", " + pieces.length + " pieces, sha256 " + hash + "]";
    }

    /** Per-thread scratch space, grown on demand and reused across calls. */
    private final class Workspace {
        int[] tok = new int[1024];
        int[] next = new int[1024];
        int[] prev = new int[1024];
        final LongMinHeap heap = new LongMinHeap(1024);
        IntList out = new IntList(1024);

        /** Fills {@code tok} with the starting symbols and returns their count. */
        int initialSymbols(String text, boolean addBos) {
            // Most text needs one symbol per char; byte fallback grows the arrays as it goes.
            if (tok.length > (1 << 22) && text.length() < (1 << 20)) shrink(); // free what a huge document took
            if (text.length() + 2L > tok.length) grow(text.length() + 2L);
            int n = 0;
            if (addBos) tok[n++] = bosId;
            if (text.isEmpty()) return n;
            if (addPrefixSpace) n = symbol(' ', n);
            for (int i = 0; i < text.length(); ) {
                int cp = text.codePointAt(i);
                i += Character.charCount(cp);
                n = symbol(cp, n);
            }
            return n;
        }

        private int symbol(int cp, int n) {
            if (cp == ' ') cp = SPACE_MARK;
            int piece = cp < 65536 ? bmpToId[cp] : astralToId.getOrDefault(cp, -1);
            if (n + 4 > tok.length) grow(n + 4);
            if (piece >= 0) {
                tok[n++] = piece;
                return n;
            }
            if (Character.isSurrogate((char) cp) && cp < 65536) cp = 0xFFFD; // unpaired surrogate: UTF-8 has no form
            if (cp < 0x80) {
                tok[n++] = byteToId[cp];
            } else if (cp < 0x800) {
                tok[n++] = byteToId[0xC0 | (cp >> 6)];
                tok[n++] = byteToId[0x80 | (cp & 0x3F)];
            } else if (cp < 0x10000) {
                tok[n++] = byteToId[0xE0 | (cp >> 12)];
                tok[n++] = byteToId[0x80 | ((cp >> 6) & 0x3F)];
                tok[n++] = byteToId[0x80 | (cp & 0x3F)];
            } else {
                tok[n++] = byteToId[0xF0 | (cp >> 18)];
                tok[n++] = byteToId[0x80 | ((cp >> 12) & 0x3F)];
                tok[n++] = byteToId[0x80 | ((cp >> 6) & 0x3F)];
                tok[n++] = byteToId[0x80 | (cp & 0x3F)];
            }
            return n;
        }

        private void grow(long needed) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new ConfigException("a text of more than " + (Integer.MAX_VALUE / 2) + " symbols is too long to encode at once; "
                        + "split it into documents");
            }
            int cap = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, tok.length * 2L));
            tok = Arrays.copyOf(tok, cap);
            next = new int[cap];
            prev = new int[cap];
        }

        private void shrink() {
            out = new IntList(1024);
            tok = new int[1024];
            next = new int[1024];
            prev = new int[1024];
        }
    }

    /** Growable byte array for decoding. */
    private static final class ByteBuilder {
        byte[] buf;
        int size;

        ByteBuilder(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void add(byte[] bs) {
            if (size + bs.length > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + bs.length));
            System.arraycopy(bs, 0, buf, size, bs.length);
            size += bs.length;
        }
    }
}
