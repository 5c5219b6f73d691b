package org.rat4j.bench; final class PackageInfo { private PackageInfo() { } }
