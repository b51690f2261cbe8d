/** The graph module: which channels of a model are coupled and where a removed filter is zeroed. */
export { buildChannelGraph, type ChannelGraph, type FilterGroup } from "./channel-graph.js";
