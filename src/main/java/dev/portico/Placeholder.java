package dev.portico;
final class Placeholder {}
