package org.rat4j.launcher;

import org.rat4j.cli.Subcommand;
import org.rat4j.cli.Console;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.rat4j.decode.Generator;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.rat4j.cli.CliOptions.*;

/** {@code rat4j generate}: continues one or more prompts and prints the new token ids, one line per prompt. */
public final class GenerateCommand implements Subcommand {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate token ids from prompts (greedy, temperature, top-k, top-p)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("model", "DIR", "model directory"));
        o.addOption(Option.builder().longOpt("tokens").hasArg().argName("IDS").required()
                .desc("prompt token ids, e.g. 1,5,9; repeat the option for a batch of prompts").build());
        o.addOption(optional("max-new", "N", "new tokens per prompt (default 32)"));
        o.addOption(optional("temperature", "T", "sampling temperature; 0 = greedy (default 0)"));
        o.addOption(optional("top-k", "K", "sample from the K most likely tokens (default 0 = all)"));
        o.addOption(optional("top-p", "P", "nucleus sampling mass (default 1.0)"));
        o.addOption(optional("seed", "N", "sampling seed (default 0)"));
        o.addOption(flag("no-stop", "do not stop at EOS"));
        o.addOption(flag("with-prompt", "print the prompt ids before the new ones"));
        CommandLine cl = parse(name(), "Prefills the prompts in parallel, then decodes token by token with the layer caches.", o, args);
        if (cl == null) return 0;
        RatLanguageModel model = ModelIO.load(Path.of(cl.getOptionValue("model")), org.nd4j.linalg.api.buffer.DataType.FLOAT);
        List<int[]> prompts = new ArrayList<>();
        for (String t : cl.getOptionValues("tokens")) prompts.add(tokenIds(t, "tokens"));
        SamplingConfig sampling = new SamplingConfig(doubleValue(cl, "temperature", 0), intValue(cl, "top-k", 0),
                doubleValue(cl, "top-p", 1.0), longValue(cl, "seed", 0));
        List<int[]> out = new Generator(model).generate(prompts, intValue(cl, "max-new", 32), sampling, !cl.hasOption("no-stop"));
        for (int b = 0; b < out.size(); b++) {
            int[] ids = cl.hasOption("with-prompt") ? Generator.concat(prompts.get(b), out.get(b)) : out.get(b);
            Console.stdout().println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        }
        return 0;
    }
}
