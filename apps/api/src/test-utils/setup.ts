// type-graphql's decorators need the Reflect metadata API, which the entry point (index.ts) loads first.
import "reflect-metadata";
