#!/usr/bin/env bash
# Train rat4j on Apache Spark with dl4j-spark (docs/training.md, "Spark").
#
#   scripts/spark-submit-example.sh configs/experiment/tiny-rat-spark.yaml [key=value ...]
#       builds with -Pspark and runs spark-submit (SPARK_HOME or spark-submit on PATH; Spark 3.1.x, Scala 2.12);
#       MASTER=spark://host:7077 picks the cluster (default local[2]).
#   scripts/spark-submit-example.sh --local configs/experiment/tiny-rat-spark.yaml [key=value ...]
#       runs the same entry point with plain java and Spark's local[2] master, no Spark installation needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
local_mode=0
if [[ "${1:-}" == "--local" ]]; then local_mode=1; shift; fi
config="${1:?usage: $0 [--local] CONFIG.yaml [key=value ...]}"; shift

# Spark 3.1 on Java 17 needs these module openings; the Aeron setting lets SharedTrainingMaster start.
OPENS="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED \
--add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Daeron.publication.unblock.timeout=60000000000"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" MALLOC_MMAP_MAX_="${MALLOC_MMAP_MAX_:-0}" \
       MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-17179869184}" RAT4J_HOME="${RAT4J_HOME:-$here}"

mvn -q -B install -DskipTests -pl rat-samediff,datasets
mvn -q -B -Pspark package -DskipTests -pl training
jar=$(ls training/target/rat4j-training-*.jar | grep -v -e sources -e javadoc | head -n 1)

if [[ $local_mode == 1 ]]; then
  cp_file=training/target/spark-classpath.txt
  mvn -q -B -Pspark dependency:build-classpath -pl training -Dmdep.includeScope=test -Dmdep.outputFile=target/spark-classpath.txt >/dev/null
  exec java -XX:ErrorFile="${TMPDIR:-/tmp}/rat4j-hs_err_pid%p.log" ${RAT4J_JAVA_OPTS:--Xmx8g} $OPENS -cp "$jar:$(cat "$cp_file")" org.rat4j.train.spark.SparkTrain --config "$config" "$@"
fi

submit="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
# Our Scala (2.12.18) and Jackson go first: Spark 3.1's Scala 2.12.10 cannot deserialize lambdas on Java 17.
jars=$(ls training/target/spark-lib/*.jar | paste -sd, -)
exec "$submit" --class org.rat4j.train.spark.SparkTrain --master "${MASTER:-local[2]}" \
  --conf spark.driver.userClassPathFirst=true --conf spark.executor.userClassPathFirst=true \
  --driver-java-options "$OPENS" --conf "spark.executor.extraJavaOptions=$OPENS" \
  --jars "$jars" "$jar" --config "$config" "$@"
