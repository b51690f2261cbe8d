import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The API's address is read at request time (CARVE_API_URL), so one build serves any deployment.
  output: undefined,
};

export default nextConfig;
