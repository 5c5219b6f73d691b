package org.rat4j.eval.command;

import org.rat4j.eval.metrics.Metric;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.eval.EvalData;
import org.rat4j.eval.EvalSettings;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.Task;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.report.EvalReport;
import org.rat4j.eval.report.GroupAverage;
import org.rat4j.eval.report.ModelRun;
import org.rat4j.eval.sweep.RatPlusSweep;
import org.rat4j.eval.task.NiahEvalTask;
import org.rat4j.eval.task.TaskRegistry;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.ratplus.RatPlusPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j eval}: evaluates one or more models on tasks and writes results.json, report.md, charts and per-item
 * JSONL to {@code --out}; the report's table also goes to standard output.
 */
public final class EvalCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(EvalCommand.class);

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "evaluate models on tasks (piqa, arc, winogrande, lambada, hellaswag, qmsum, NIAH, perplexity, ...)";
    }

    static Options options() {
        TaskRegistry reg = TaskRegistry.builtin();
        Options o = new Options();
        o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").required()
                .desc("model directory (config.json + model.safetensors); repeat it to compare models side by side").get());
        o.addOption(required("tasks", "LIST", "comma-separated tasks, groups and task files: groups " + String.join(", ", reg.groups().keySet())
                + "; tasks " + String.join(", ", reg.builtinTasks()) + ", " + String.join(", ", TaskRegistry.generatedTasks())
                + "; or a task file PATH.yaml (docs/evaluation.md)"));
        o.addOption(optional("limit", "N", "items per task: the first N (NIAH: N generated samples, default "
                + NiahEvalTask.DEFAULT_COUNT + "; ppl: N windows); default all"));
        o.addOption(optional("batch", "B", "most sequences per forward pass (default " + EvalSettings.DEFAULT_BATCH + ")"));
        o.addOption(optional("max-batch-tokens", "N", "most padded tokens per forward pass (default " + EvalSettings.DEFAULT_TOKEN_BUDGET
                + "; the logits of a batch take N x vocab x 4 bytes)"));
        o.addOption(optional("max-length", "N", "longest input of log-likelihood tasks, longer ones lose their start (lm-eval's "
                + "max_length; default: the model's seq_len)"));
        o.addOption(optional("tokenizer", "FILE|gpt2", "tokenizer of the models (default: the LLaMA-2 tokenizer, "
                + Tokenizers.DEFAULT_FILE + ")"));
        o.addOption(optional("bos", "yes|no|task", "start every prompt with BOS, never, or as each task does (default task: "
                + "log-likelihood tasks and NIAH yes, as lm-eval with a LLaMA tokenizer; LongBench/qmsum no, as RAT)"));
        o.addOption(optional("out", "DIR", "output folder (default runs/eval-<date>-<time>)"));
        o.addOption(flag("log-samples", "also write every item's contexts, continuations, token ids, log-likelihoods and "
                + "prediction to samples/<model>/<task>.jsonl"));
        o.addOption(flag("compare-forward", "benchmark: run each task twice (the first builds the graphs), then time the "
                + "model's plain forward on the log-likelihood batch shapes (results.json: throughput)"));
        o.addOption(flag("no-progress", "no progress bars"));
        o.addOption(optional("data", "SPEC", "ppl: token-shard directory, or text files/dirs/globs, or builtin:valid (default)"));
        o.addOption(optional("ppl-window", "N[,N...]", "ppl: window length(s), e.g. 256,512,1024 for a model trained at 256 "
                + "(default: the model's seq_len); each gets a loss-by-position curve"));
        o.addOption(optional("stride", "S", "ppl: sliding window stride (default: the window, i.e. non-overlapping windows)"));
        o.addOption(optional("niah-lengths", "N[,N...]", "NIAH context lengths in tokens (default: the model's seq_len)"));
        o.addOption(optional("niah-seed", "S", "NIAH sample seed (default 42, RULER's)"));
        o.addOption(optional("haystack", "SPEC", "NIAH essay haystack text (default builtin:valid)"));
        o.addOption(optional("longbench-dir", "DIR", "folder with LongBench's <task>.jsonl files (not shipped; HF THUDM/LongBench "
                + "data.zip)"));
        o.addOption(optional("max-len", "N", "generation tasks: prompt + answer budget in tokens (default: the task's, 4096)"));
        o.addOption(optional("max-gen", "N", "generation tasks: most generated tokens (default: the task's)"));
        o.addOption(optional("gen-batch", "N", "generation tasks: prompts decoded together (default " + EvalSettings.DEFAULT_GEN_BATCH + ")"));
        o.addOption(optional("ratplus-sweep", "SPEC", "evaluate each RAT+ model under these inference patterns D:W:P "
                + "(dilation, local window, sinks), e.g. dense,16:0:4,64:0:4, or table8 (RAT+ Table 8: D=1..64 with "
                + "P=4, and 16:256:4)"));
        return o;
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = options();
        CommandLine cl = parse(name(), "Evaluates models with the protocols of lm-evaluation-harness (multiple choice, "
                + "lambada), LongBench (generation) and RULER (NIAH), perplexity with a loss-by-position curve, and the RAT+ "
                + "inference sweep. Tasks and their data: docs/evaluation.md.", o, args);
        if (cl == null) return 0;
        Path out = cl.hasOption("out") ? outputDirectory(cl, "out")
                : Path.of("runs/eval-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));

        Tokenizer tokenizer = Tokenizers.resolve(cl.getOptionValue("tokenizer"));
        List<Path> modelDirs = new ArrayList<>();
        for (String m : cl.getOptionValues("model")) modelDirs.add(Path.of(m));
        for (Path dir : modelDirs) {
            if (!Files.isDirectory(dir)) throw new ConfigException("model directory not found: " + dir);
            Evaluator.checkVocabulary(ModelConfig.fromJson(dir.resolve(ModelIO.CONFIG)).vocabSize(), tokenizer);
        }
        TaskRegistry registry = TaskRegistry.builtin();
        String taskSpec = cl.getOptionValue("tasks");
        TaskRegistry.Options taskOptions = taskOptions(cl);
        List<Task> tasks = registry.resolve(taskSpec, taskOptions);
        for (Task t : tasks) t.check();
        List<TaskRegistry.Group> groups = registry.groupsIn(taskSpec);
        List<RatPlusPattern> sweep = cl.hasOption("ratplus-sweep") ? RatPlusSweep.parse(cl.getOptionValue("ratplus-sweep")) : List.of();
        EvalSettings settings = new EvalSettings(intValue(cl, "limit", 0, 0), intValue(cl, "batch", EvalSettings.DEFAULT_BATCH, 1),
                intValue(cl, "max-batch-tokens", EvalSettings.DEFAULT_TOKEN_BUDGET, 1), intValue(cl, "max-length", 0, 0),
                bos(cl.getOptionValue("bos", "task")), cl.hasOption("log-samples"), !cl.hasOption("no-progress"),
                cl.hasOption("compare-forward"), intValue(cl, "gen-batch", EvalSettings.DEFAULT_GEN_BATCH, 1));

        List<ModelRun> runs = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Path dir : modelDirs) {
            RatLanguageModel model = ModelIO.load(dir, DataType.FLOAT);
            String name = unique(names, dir);
            LOG.info("{}: {} parameters, seq_len {}, from {}", name, String.format(Locale.ROOT, "%,d", model.parameterCount()),
                    model.config().seqLen(), dir);
            if (sweep.isEmpty()) {
                runs.add(evaluate(model, name, dir, null, tokenizer, settings, tasks, groups));
            } else {
                for (RatPlusPattern s : sweep) {
                    RatLanguageModel variant = RatPlusSweep.variant(model, s);
                    runs.add(evaluate(variant, name, dir, s, tokenizer, settings, tasks, groups));
                }
            }
        }

        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "rat4j eval " + String.join(" ", args));
        run.put("date", LocalDateTime.now().toString());
        run.put("tokenizer", tokenizer.id() + " (sha256 " + tokenizer.hash().substring(0, 12) + ")");
        run.put("bos", cl.getOptionValue("bos", "task"));
        run.put("limit", settings.limit() == 0 ? "all" : settings.limit());
        List<Path> written = EvalReport.write(out, run, runs, notes(tasks));
        Console.stdout().print(EvalReport.table(runs));
        Console.stdout().println("results: " + out.resolve(EvalReport.RESULTS) + " (" + written.size() + " files in " + out + ")");
        return 0;
    }

    private static ModelRun evaluate(RatLanguageModel model, String name, Path dir, RatPlusPattern variant, Tokenizer tokenizer,
                                     EvalSettings settings, List<Task> tasks, List<TaskRegistry.Group> groups) {
        LOG.info("evaluating {}{}", name, variant == null ? "" : " under " + RatPlusSweep.label(variant));
        Evaluator ev = new Evaluator(model, tokenizer, settings);
        List<TaskResult> results = ev.evaluate(tasks);
        Map<String, Metric> averages = new LinkedHashMap<>();
        for (TaskRegistry.Group g : groups) averages.putAll(GroupAverage.compute(g, results));
        return new ModelRun(name, dir.toString(), variant, model.parameterCount(), model.config().toMap(), results, averages);
    }

    private static TaskRegistry.Options taskOptions(CommandLine cl) {
        Path root = null;
        try {
            root = EvalData.root();
        } catch (ConfigException e) {
            // Only the built-in file tasks need it; they report the missing folder when asked for.
        }
        TaskRegistry.Options d = TaskRegistry.Options.defaults(root);
        return new TaskRegistry.Options(root, cl.getOptionValue("data", d.pplData()), ints(cl, "ppl-window"),
                intValue(cl, "stride", 0, 1), ints(cl, "niah-lengths"), longValue(cl, "niah-seed", d.niahSeed()),
                cl.getOptionValue("haystack", d.haystack()),
                cl.hasOption("longbench-dir") ? Path.of(cl.getOptionValue("longbench-dir")) : d.longbenchDir(),
                intValue(cl, "max-len", 0, 2), intValue(cl, "max-gen", 0, 1));
    }

    /** A list of positive integers such as {@code 256,512}. */
    static List<Integer> ints(CommandLine cl, String opt) {
        List<Integer> out = new ArrayList<>();
        String v = cl.getOptionValue(opt);
        if (v == null) return out;
        for (String p : v.split(",")) {
            if (p.isBlank()) continue;
            try {
                int n = Integer.parseInt(p.trim());
                if (n < 1) throw new NumberFormatException();
                out.add(n);
            } catch (NumberFormatException e) {
                throw new ConfigException("--" + opt + " takes positive integers like 256 or 256,512; got '" + p.trim() + "'");
            }
        }
        return out;
    }

    static Boolean bos(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "yes", "true" -> Boolean.TRUE;
            case "no", "false" -> Boolean.FALSE;
            case "task" -> null;
            default -> throw new ConfigException("--bos must be yes, no or task, got '" + v + "'");
        };
    }

    /** The folder's name, or parent/name when two models share a folder name (runs/a/final, runs/b/final). */
    private static String unique(Set<String> names, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        String name = abs.getFileName().toString();
        if ((name.equals("final") || names.contains(name)) && abs.getParent() != null) {
            name = abs.getParent().getFileName() + "/" + name;
        }
        String base = name;
        for (int i = 2; !names.add(name); i++) name = base + "#" + i;
        return name;
    }

    /** What the reader of the report must know about the tasks that ran. */
    private static List<String> notes(List<Task> tasks) {
        List<String> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Task t : tasks) names.add(t.name());
        if (names.contains("hellaswag")) {
            out.add("hellaswag (approx.): klosax's text rendering of the validation set, not lm-eval's input (docs/evaluation.md)");
        }
        if (names.contains("qmsum")) {
            out.add("qmsum: the real QMSum test queries with the RAT SFT prompt, not LongBench's 200 qmsum items");
        }
        if (names.stream().anyMatch(n -> n.startsWith("niah_"))) {
            out.add("NIAH: RULER's tasks from rat4j's generator; essay haystacks use the built-in corpus, not Paul Graham's essays");
        }
        return out;
    }
}
