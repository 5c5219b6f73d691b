package org.rat4j.data; final class PackageInfo { private PackageInfo() { } }
